/**
 * Builds an ensemble's uncertainty (ensemble-uncertainty.ts) from its trained members: members
 * 1..N−1 go into the tensors, then σ and ρ are measured on `residuals` (validation, else training).
 *
 * @example
 *   const { members } = await trainEnsemble(data, { head: 'mlp', members: 5 })
 *   const u = await fitEnsembleUncertainty(members, valSource, 'validation')
 */
import type { BatchSource } from '../core/batch-source.ts'
import type { TargetStats } from '../core/targets.ts'
import type { ParamSet } from '../core/tensor.ts'
import type { Head } from '../heads/head.ts'
import type { HeadSpec } from '../heads/registry.ts'
import { EnsembleUncertainty, type EnsembleUncertaintySpec, memberTensor } from './ensemble-uncertainty.ts'

export async function fitEnsembleUncertainty(
  members: { head: Head; targetStats: TargetStats[] }[],
  options: { bootstrap: boolean; residuals: BatchSource; calibration: 'validation' | 'training' },
): Promise<EnsembleUncertainty> {
  const k = members[0].targetStats.length
  const params: ParamSet = {}
  members.slice(1).forEach((m, i) => {
    for (const [name, t] of Object.entries(m.head.params)) {
      params[memberTensor(i + 1, name)] = { shape: [...t.shape], data: Float32Array.from(t.data) }
    }
  })
  const identity = Array.from({ length: k }, (_, a) => Array.from({ length: k }, (_, b) => (a === b ? 1 : 0)))
  const spec: EnsembleUncertaintySpec = {
    type: 'ensemble',
    members: members.length,
    bootstrap: options.bootstrap,
    memberStats: members.slice(1).map((m) => m.targetStats),
    sigma: new Array(k).fill(0),
    calibration: options.calibration,
    correlation: identity,
  }
  const head0 = members[0].head
  const probe = new EnsembleUncertainty(spec, params, head0.spec as HeadSpec, head0, members[0].targetStats)
  // Moments over the labelled rows: Σr², Σspread², and for ρ the products of r/√(spread² + σ²) later.
  const r2 = new Float64Array(k)
  const s2 = new Float64Array(k)
  const n = new Float64Array(k)
  const kept: { r: Float64Array; s2: Float64Array }[] = []
  for await (const b of options.residuals.chunks(2048)) {
    const p = await probe.predict(b.x, new Float64Array(k))
    const r = new Float64Array(b.x.rows * k)
    const sp = new Float64Array(b.x.rows * k)
    for (let i = 0; i < r.length; i++) {
      r[i] = b.y[i] - p.scores[i]
      sp[i] = p.scoresStd[i] ** 2 // σ = 0 in the probe: the spread alone
      if (Number.isNaN(r[i])) continue
      r2[i % k] += r[i] ** 2
      s2[i % k] += sp[i]
      n[i % k]++
    }
    kept.push({ r, s2: sp })
  }
  spec.sigma = Array.from({ length: k }, (_, a) => (n[a] > 0 ? Math.sqrt(Math.max(0, (r2[a] - s2[a]) / n[a])) : 0))
  const sum = new Float64Array(k * k)
  const sq = new Float64Array(k * k)
  const cnt = new Float64Array(k * k)
  for (const { r, s2: sp } of kept) {
    for (let i = 0; i < r.length / k; i++) {
      for (let a = 0; a < k; a++) {
        const ua = r[i * k + a] / Math.sqrt(sp[i * k + a] + spec.sigma[a] ** 2 || 1)
        if (Number.isNaN(ua)) continue
        for (let b = 0; b < k; b++) {
          const ub = r[i * k + b] / Math.sqrt(sp[i * k + b] + spec.sigma[b] ** 2 || 1)
          if (Number.isNaN(ub)) continue
          sum[a * k + b] += ua * ub
          sq[a * k + b] += ua * ua
          cnt[a * k + b]++
        }
      }
    }
  }
  spec.correlation = identity.map((row, a) =>
    row.map((v, b) => {
      if (a === b || cnt[a * k + b] < 3) return v
      const den = Math.sqrt(sq[a * k + b] * sq[b * k + a])
      return den > 0 ? sum[a * k + b] / den : 0
    }),
  )
  return new EnsembleUncertainty(spec, params, head0.spec as HeadSpec, head0, members[0].targetStats)
}
