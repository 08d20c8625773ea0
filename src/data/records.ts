/**
 * Dispatch from a file to its format reader: every reader yields batches of RawRecords (or BadRecords)
 * in file order and never holds the whole file.
 *
 * @example
 *   for await (const batch of readRecords('a.csv', resolveDataOptions(), console.warn)) ...
 */
import { readDelimited } from './delimited.ts'
import { detectFormat } from './format.ts'
import { readJsonArray } from './json-array.ts'
import { readJsonl } from './jsonl.ts'
import type { ResolvedDataOptions } from './options.ts'
import { readParquet } from './parquet.ts'
import type { RecordOrError } from './raw-record.ts'

export function readRecords(
  file: string,
  options: ResolvedDataOptions,
  onWarning: (message: string) => void,
  /** Top-level columns that will be used (Parquet decodes only these); undefined = all. */
  columns?: string[],
): AsyncGenerator<RecordOrError[]> {
  const format = detectFormat(file, options.format)
  switch (format) {
    case 'jsonl':
      return readJsonl(file)
    case 'json':
      return readJsonArray(file)
    case 'csv':
    case 'tsv':
      return readDelimited(file, {
        delimiter: options.delimiter ?? (format === 'csv' ? ',' : '\t'),
        quote: options.quote,
        onWarning,
      })
    case 'parquet':
      return readParquet(file, { batchRows: options.parquetBatchRows, columns })
  }
}
