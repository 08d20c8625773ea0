/**
 * How a file's columns map onto the model: saved in config.json ("data") by training, so eval and
 * score read a file with the same schema without repeating the flags. Options given later win.
 *
 * @example
 *   const mapping = dataMappingOf(resolveDataOptions({ promptColumn: 'q', responseColumn: 'story', targetColumns: 'r' }))
 *   withModelMapping(mapping, { responseColumn: 'other' }, 'test.jsonl')
 *   // { promptColumn: 'q', responseColumn: 'other', targetColumns: ['r'], ... }
 */

import type { QuoteMode } from './delimited.ts'
import { extensionTellsFormat } from './format.ts'
import { type DataFormat, type DataOptions, dropUndefined, type ResolvedDataOptions } from './options.ts'

/** A file's column mapping and reading options, as recorded in config.json. */
export interface DataMapping {
  format?: DataFormat
  promptColumn: string
  responseColumn: string
  messagesColumn: string
  /** The file's rating columns, in attribute order. */
  targetColumns: string[]
  /** Numeric side-feature columns (--features), in the model's order; absent = none. */
  featureColumns?: string[]
  groupColumn: string | null
  quote: QuoteMode
  delimiter: string | null
}

/** The mapping to record for a model trained with these (resolved) options. */
export function dataMappingOf(o: ResolvedDataOptions): DataMapping {
  return {
    ...(o.format === 'auto' ? {} : { format: o.format }),
    promptColumn: o.promptColumn,
    responseColumn: o.responseColumn,
    messagesColumn: o.messagesColumn,
    targetColumns: [...o.targetColumns],
    ...(o.featureColumns.length > 0 ? { featureColumns: [...o.featureColumns] } : {}),
    groupColumn: o.groupColumn,
    quote: o.quote,
    delimiter: o.delimiter,
  }
}

/**
 * Data options for a model's own mapping (if it has one) overridden by the options given: a given
 * option that is undefined keeps the model's value.
 */
export function withModelMapping(mapping: DataMapping | undefined, given: DataOptions, file: string): DataOptions {
  if (!mapping) return given
  const { format, ...rest } = mapping
  // A recorded format (given at training for a file whose extension did not tell) only applies to
  // files whose extension does not tell either.
  const useFormat = format !== undefined && !extensionTellsFormat(file)
  return { ...rest, ...(useFormat ? { format } : {}), ...dropUndefined(given) }
}
