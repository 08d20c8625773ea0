/**
 * Parquet via hyparquet, with hyparquet-compressors for ZSTD, GZIP, BROTLI, LZ4 (Snappy is built in).
 * Rows are read in slices of at most `batchRows` rows that never cross a row group, with the offset
 * index narrowing each read to the pages it needs, so a big file is never materialized at once.
 * Rows are numbered from 1 (DataError's `row`), matching the text formats' 1-based lines.
 *
 * @example
 *   for await (const batch of readParquet('ratings.parquet')) for (const r of batch) console.log(r.line, r.values)
 *   // 1 { prompt: 'Hi', response: 'Hello', helpfulness: 3 }
 */
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { DataError } from '../errors.ts'
import type { RecordOrError } from './raw-record.ts'

export interface ParquetReadOptions {
  /** Rows per read; memory holds about this many decoded rows. */
  batchRows?: number
  /** Top-level columns to decode; all when undefined. */
  columns?: string[]
}

export const PARQUET_BATCH_ROWS = 8192

/** Records in batches of at most batchRows. */
export async function* readParquet(file: string, options: ParquetReadOptions = {}): AsyncGenerator<RecordOrError[]> {
  const batchRows = options.batchRows ?? PARQUET_BATCH_ROWS
  let buffer: Awaited<ReturnType<typeof asyncBufferFromFile>>
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>
  try {
    buffer = await asyncBufferFromFile(file)
    metadata = await parquetMetadataAsync(buffer)
  } catch (err) {
    throw new DataError(`not a readable Parquet file (${(err as Error).message})`, { file }, { cause: err })
  }
  // Asking hyparquet for a column the file lacks is an error; an absent column is a missing value here.
  const names = new Set(topLevelColumns(metadata.schema))
  const columns = options.columns?.filter((c) => names.has(c))
  let groupStart = 0
  for (const group of metadata.row_groups) {
    const groupEnd = groupStart + Number(group.num_rows)
    for (let start = groupStart; start < groupEnd; start += batchRows) {
      const end = Math.min(groupEnd, start + batchRows)
      const rows = await parquetReadObjects({
        file: buffer,
        metadata,
        rowStart: start,
        rowEnd: end,
        columns,
        compressors,
        useOffsetIndex: true,
      })
      yield rows.map((row, k): RecordOrError => ({ values: plainValues(row), line: start + k + 1, unit: 'row' }))
    }
    groupStart = groupEnd
  }
}

/** INT64 columns decode as BigInt; ratings and ids are plain numbers everywhere else. */
function plainValues(row: Record<string, unknown>): Record<string, unknown> {
  for (const key in row) if (typeof row[key] === 'bigint') row[key] = Number(row[key])
  return row
}

/** The top-level column names in a file's schema (cheap: reads only the footer). */
export async function parquetColumns(file: string): Promise<string[]> {
  const metadata = await parquetMetadataAsync(await asyncBufferFromFile(file))
  return topLevelColumns(metadata.schema)
}

function topLevelColumns(schema: { name: string; num_children?: number }[]): string[] {
  const root = schema[0]
  const out: string[] = []
  // Top-level children are the first num_children elements after the root, skipping nested subtrees.
  let i = 1
  for (let c = 0; c < (root.num_children ?? 0); c++) {
    out.push(schema[i].name)
    i = skipSubtree(schema, i)
  }
  return out
}

function skipSubtree(schema: { num_children?: number }[], i: number): number {
  const kids = schema[i].num_children ?? 0
  let j = i + 1
  for (let c = 0; c < kids; c++) j = skipSubtree(schema, j)
  return j
}
