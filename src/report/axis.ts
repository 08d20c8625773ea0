/**
 * Linear scales and "nice" axis ticks (1, 2, 5 × 10^k steps) for the report's SVG charts.
 *
 * @example
 *   niceTicks(0.13, 3.9, 5)          // [1, 2, 3]        (step 1)
 *   niceTicks(0.13, 3.9, 8)          // [0.5, 1, ..., 3.5] (step 0.5)
 *   linearScale([0, 4], [40, 340])(2) // 190
 */
export type Scale = (v: number) => number

export function linearScale(domain: [number, number], range: [number, number]): Scale {
  const [d0, d1] = domain
  const [r0, r1] = range
  const span = d1 - d0 || 1
  return (v) => r0 + ((v - d0) / span) * (r1 - r0)
}

/** Tick values inside [lo, hi], about `count` of them, on a 1-2-5 step. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return Number.isFinite(lo) ? [lo] : []
  const raw = (hi - lo) / Math.max(1, count)
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag
  const ticks: number[] = []
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toFixed(12)))
  return ticks
}

/** [min, max] of finite values, padded by `pad` of the span (a lone value gets ±0.5). */
export function extent(values: Iterable<number>, pad = 0.04): [number, number] {
  let lo = Number.POSITIVE_INFINITY
  let hi = Number.NEGATIVE_INFINITY
  for (const v of values) {
    if (!Number.isFinite(v)) continue
    if (v < lo) lo = v
    if (v > hi) hi = v
  }
  if (lo === Number.POSITIVE_INFINITY) return [0, 1]
  if (lo === hi) return [lo - 0.5, hi + 0.5]
  const p = (hi - lo) * pad
  return [lo - p, hi + p]
}

/** Short tick label: up to 3 significant decimals, no trailing zeros. */
export function tickLabel(v: number): string {
  if (v === 0) return '0'
  const a = Math.abs(v)
  if (a >= 1000 || a < 0.001) return v.toExponential(1)
  return String(Number(v.toPrecision(3)))
}
