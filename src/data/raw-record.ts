/**
 * What every format reader yields: one record's values keyed by column name, and where it came from.
 * A record that could not be parsed (bad JSON line, wrong field count) is yielded as a `BadRecord`
 * rather than thrown, so `skipInvalid` can skip it and count it; damage that makes the rest of the
 * file unreadable (an unterminated quote, a JSON file that is not an array) is thrown.
 */
import type { DataError } from '../errors.ts'

/** How a position is named in messages: a physical line of a text file, or a Parquet row. */
export type PositionUnit = 'line' | 'row'

export interface RawRecord {
  values: Record<string, unknown>
  /** 1-based physical start line (text formats) or 1-based row number (Parquet). */
  line: number
  unit: PositionUnit
}

export interface BadRecord {
  error: DataError
  /** A short key for the skip summary, e.g. 'bad-json' or 'field-count'. */
  reason: string
  line: number
}

export type RecordOrError = RawRecord | BadRecord

export const isBadRecord = <T extends object>(r: T | BadRecord): r is BadRecord => 'error' in r

/** DataError's location object for a position. */
export const at = (file: string, line: number, unit: PositionUnit, field?: string) =>
  unit === 'row' ? { file, row: line, field } : { file, line, field }
