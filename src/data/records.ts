/**
 * Dispatch from a file to its format reader: every reader yields batches of RawRecords (or BadRecords)
 * in file order and never holds the whole file.
 *
 * @example
 *   for await (const batch of readRecords('a.csv', resolveDataOptions(), console.warn)) ...
 */
import { stat } from 'node:fs/promises'
import { DataError } from '../errors.ts'
import { readDelimited } from './delimited.ts'
import { detectFormat } from './format.ts'
import { readJsonArray } from './json-array.ts'
import { readJsonl } from './jsonl.ts'
import type { ResolvedDataOptions } from './options.ts'
import { readParquet } from './parquet.ts'
import type { RecordOrError } from './raw-record.ts'

export async function* readRecords(
  file: string,
  options: ResolvedDataOptions,
  onWarning: (message: string) => void,
  /** Top-level columns that will be used (Parquet decodes only these); undefined = all. */
  columns?: string[],
): AsyncGenerator<RecordOrError[]> {
  const format = detectFormat(file, options.format)
  await checkReadable(file)
  switch (format) {
    case 'jsonl':
      return yield* readJsonl(file, { onWarning })
    case 'json':
      return yield* readJsonArray(file, { onWarning })
    case 'csv':
    case 'tsv':
      return yield* readDelimited(file, {
        delimiter: options.delimiter ?? (format === 'csv' ? ',' : '\t'),
        quote: options.quote,
        onWarning,
      })
    case 'parquet':
      return yield* readParquet(file, { batchRows: options.parquetBatchRows, columns })
  }
}

/** A missing path is a user mistake, not a crash: say so plainly instead of surfacing ENOENT. */
async function checkReadable(file: string): Promise<void> {
  let info: Awaited<ReturnType<typeof stat>>
  try {
    info = await stat(file)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const reason =
      code === 'ENOENT' ? 'no such file; check the path' : `cannot read it (${code ?? (err as Error).message})`
    throw new DataError(reason, { file }, { cause: err })
  }
  if (info.isDirectory()) throw new DataError('is a folder; expected a ratings file', { file })
}
