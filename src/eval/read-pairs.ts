/**
 * Streams a preference file (JSONL, JSON array, CSV/TSV or Parquet, chosen by extension as for
 * ratings) as PreferencePairs. A bad row throws a DataError naming file, line and field, or with
 * `skipInvalid` is skipped and counted in `summary`.
 *
 * @example
 *   const pairs = readPreferencePairs('rewardbench.parquet')
 *   for await (const p of pairs) console.log(p.subset, p.prompt.slice(0, 20))
 *   pairs.summary   // { pairs: 2985, skipped: 0, skipExamples: [] }
 */
import { resolveDataOptions } from '../data/options.ts'
import { isBadRecord } from '../data/raw-record.ts'
import { readRecords } from '../data/records.ts'
import { DataError } from '../errors.ts'
import { PAIR_COLUMN_DEFAULTS, type PairColumns, type PreferencePair, pairFromRecord } from './preference-pair.ts'

export interface PairReadOptions {
  columns?: PairColumns
  skipInvalid?: boolean
  /** 'auto' picks from the extension. */
  format?: 'auto' | 'jsonl' | 'json' | 'csv' | 'tsv' | 'parquet'
}

export interface PairStream extends AsyncIterable<PreferencePair> {
  readonly file: string
  readonly summary: { pairs: number; skipped: number; skipExamples: string[] }
}

export function readPreferencePairs(file: string, options: PairReadOptions = {}): PairStream {
  const columns = { ...PAIR_COLUMN_DEFAULTS, ...options.columns }
  const dataOptions = resolveDataOptions({ format: options.format ?? 'auto' })
  const summary = { pairs: 0, skipped: 0, skipExamples: [] as string[] }
  async function* iterate(): AsyncGenerator<PreferencePair> {
    summary.pairs = 0
    summary.skipped = 0
    summary.skipExamples = []
    let records = 0
    for await (const batch of readRecords(file, dataOptions, () => {})) {
      for (const r of batch) {
        records++
        let pair: PreferencePair
        try {
          if (isBadRecord(r)) throw r.error
          pair = pairFromRecord(r.values, { file, line: r.line, unit: r.unit }, columns)
        } catch (err) {
          if (!options.skipInvalid || !(err instanceof DataError)) throw err
          summary.skipped++
          if (summary.skipExamples.length < 5) summary.skipExamples.push(err.message)
          continue
        }
        summary.pairs++
        yield pair
      }
    }
    if (records === 0) throw new DataError('the file holds no preference pairs', { file })
  }
  return { file, summary, [Symbol.asyncIterator]: iterate }
}
