/** Plain-text tables for the terminal; numbers get a fixed number of decimals. */

export function formatNumber(v: unknown, digits = 4): string {
  if (typeof v !== 'number') return String(v ?? '')
  if (Number.isInteger(v)) return String(v)
  if (!Number.isFinite(v)) return String(v)
  return v.toFixed(digits)
}

/** Renders rows as an aligned table; the first column is left-aligned, the rest right-aligned. */
export function table(header: string[], rows: unknown[][], digits = 4): string {
  const cells = [header, ...rows.map((r) => r.map((v) => formatNumber(v, digits)))]
  const widths = header.map((_, j) => Math.max(...cells.map((r) => (r[j] ?? '').length)))
  const line = (r: string[]) => r.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ')
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n')
}
