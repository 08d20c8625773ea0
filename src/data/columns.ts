/**
 * Column lookup: a name is first looked up as a literal key (CSV headers may contain dots), then as a
 * dotted path into nested objects ('scores.helpfulness').
 *
 * @example
 *   getField({ scores: { helpfulness: 3 } }, 'scores.helpfulness')   // 3
 *   numericColumns({ prompt: 'x', a: 1, b: '2.5', c: 'NA' })          // ['a', 'b']
 */

/** Own keys only: "constructor" or "toString" must not find Object.prototype's members. */
const own = (o: object, key: string) => Object.hasOwn(o, key)

export function getField(values: Record<string, unknown>, name: string): unknown {
  if (own(values, name)) return values[name]
  if (!name.includes('.')) return undefined
  let v: unknown = values
  for (const part of name.split('.')) {
    if (v === null || typeof v !== 'object' || !own(v, part)) return undefined
    v = (v as Record<string, unknown>)[part]
  }
  return v
}

export function hasField(values: Record<string, unknown>, name: string): boolean {
  if (own(values, name)) return true
  if (!name.includes('.')) return false
  let v: unknown = values
  for (const part of name.split('.')) {
    if (v === null || typeof v !== 'object' || !own(v, part)) return false
    v = (v as Record<string, unknown>)[part]
  }
  return true
}

/** Column names of a record, with nested objects one level deep as dotted names. */
export function columnNames(values: Record<string, unknown>): string[] {
  const out: string[] = []
  for (const [k, v] of Object.entries(values)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const k2 of Object.keys(v)) out.push(`${k}.${k2}`)
    } else out.push(k)
  }
  return out
}

/** Columns whose value looks like a rating: a finite number, or a string that parses as one. */
export function numericColumns(values: Record<string, unknown>, exclude: readonly string[] = []): string[] {
  return columnNames(values).filter((name) => {
    if (exclude.includes(name)) return false
    const v = getField(values, name)
    if (typeof v === 'number') return Number.isFinite(v)
    return typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))
  })
}

/** The top-level key a column name reads from (for choosing Parquet columns to decode). */
export function topLevelKey(name: string): string {
  const dot = name.indexOf('.')
  return dot < 0 ? name : name.slice(0, dot)
}
