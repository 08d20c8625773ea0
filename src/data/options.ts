/**
 * Options of the data stage: one source of defaults (DATA_DEFAULTS), validated once by
 * resolveDataOptions (zod for the shape, hand-written checks for what zod cannot say well).
 *
 * @example
 *   resolveDataOptions({ targetColumns: 'relevance,coherence', scale: '1:5', groupColumn: 'prompt_id' })
 *   // { format: 'auto', promptColumn: 'prompt', ..., targetColumns: ['relevance', 'coherence'],
 *   //   scale: { all: { min: 1, max: 5 }, byAttribute: {} }, ... }
 */
import { z } from 'zod'
import { type DataError, OptionError } from '../errors.ts'
import type { QuoteMode } from './delimited.ts'
import { parseScale, type ScaleSpec } from './scale.ts'

export type DataFormat = 'jsonl' | 'json' | 'csv' | 'tsv' | 'parquet'
export const DATA_FORMATS: readonly DataFormat[] = ['jsonl', 'json', 'csv', 'tsv', 'parquet']

export interface DataOptions {
  /** 'auto' picks from the extension: .jsonl/.ndjson, .json, .csv, .tsv (each also .gz), .parquet. */
  format?: 'auto' | DataFormat
  /** Column holding the prompt x. Dotted names read nested fields ('input.text'). */
  promptColumn?: string
  /** Column holding the response y. */
  responseColumn?: string
  /** Column holding chat turns [{role, content}]; used when the prompt column is absent (see chat.ts). */
  messagesColumn?: string
  /** Rating columns, one attribute each (a list, or one comma-separated string). Required: with none,
   *  reading fails with the numeric columns of the first row listed. */
  targetColumns?: string[] | string
  /** Numeric side-feature columns (a list, or one comma-separated string), e.g. 'model_scores': every
   *  row needs a finite number in each; they become RatingExample.features. */
  featureColumns?: string[] | string
  /** false reads rows with no rating columns (scoring); then targets are empty. */
  requireTargets?: boolean
  /** Column whose value keeps related rows on one side of a split (e.g. 'prompt_id'). */
  groupColumn?: string | null
  /** Allowed rating range: '0:4', or 'a=0:4,b=1:5' (see scale.ts). null = unchecked. */
  scale?: string | ScaleSpec | null
  /** CSV/TSV quoting: 'auto' = RFC 4180; 'none' = one row per line, split on the delimiter only. */
  quote?: QuoteMode
  /** Field delimiter for CSV/TSV; null = ',' for csv and '\t' for tsv. */
  delimiter?: string | null
  /** Skip invalid rows (counted per reason in the summary) instead of failing on the first. */
  skipInvalid?: boolean
  /** Receives warnings (e.g. a TSV quoted field spanning lines). They are also kept in the summary. */
  onWarning?: ((message: string) => void) | null
  /** Called for each row skipped under skipInvalid. */
  onSkip?: ((error: DataError, reason: string) => void) | null
  /** Parquet rows decoded per read; bounds memory for big row groups. */
  parquetBatchRows?: number
}

export interface ResolvedDataOptions
  extends Required<Omit<DataOptions, 'targetColumns' | 'featureColumns' | 'scale' | 'onWarning' | 'onSkip'>> {
  targetColumns: string[]
  featureColumns: string[]
  scale: ScaleSpec | null
  onWarning: ((message: string) => void) | null
  onSkip: ((error: DataError, reason: string) => void) | null
}

export const DATA_DEFAULTS = {
  format: 'auto',
  promptColumn: 'prompt',
  responseColumn: 'response',
  messagesColumn: 'messages',
  targetColumns: [],
  featureColumns: [],
  groupColumn: null,
  requireTargets: true,
  scale: null,
  quote: 'auto',
  delimiter: null,
  skipInvalid: false,
  onWarning: null,
  onSkip: null,
  parquetBatchRows: 8192,
} satisfies ResolvedDataOptions

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', 'a function')
const scaleRange = z.strictObject({ min: z.number(), max: z.number() })
const schema = z.strictObject({
  format: z.enum(['auto', ...DATA_FORMATS]),
  promptColumn: z.string().min(1),
  responseColumn: z.string().min(1),
  messagesColumn: z.string().min(1),
  targetColumns: z.union([z.array(z.string().min(1)), z.string()]),
  featureColumns: z.union([z.array(z.string().min(1)), z.string()]),
  groupColumn: z.string().min(1).nullable(),
  requireTargets: z.boolean(),
  scale: z
    .union([z.string(), z.strictObject({ all: scaleRange.nullable(), byAttribute: z.record(z.string(), scaleRange) })])
    .nullable(),
  quote: z.enum(['auto', 'none']),
  delimiter: z.string().length(1).nullable(),
  skipInvalid: z.boolean(),
  onWarning: fn.nullable(),
  onSkip: fn.nullable(),
  parquetBatchRows: z.number().int().min(1),
})

export function resolveDataOptions(options: DataOptions = {}): ResolvedDataOptions {
  const merged = { ...DATA_DEFAULTS, ...dropUndefined(options) }
  const parsed = schema.safeParse(merged)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const name = issue.path.join('.') || 'data options'
    const value = issue.path.length > 0 ? (merged as Record<string, unknown>)[String(issue.path[0])] : undefined
    throw new OptionError(name, value, issue.message)
  }
  const list = (v: string | string[]) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '')
      : [...v]
  const targetColumns = list(merged.targetColumns)
  const dup = targetColumns.find((t, i) => targetColumns.indexOf(t) !== i)
  if (dup) throw new OptionError('targetColumns', targetColumns, `each column once; "${dup}" appears twice`)
  const featureColumns = list(merged.featureColumns)
  const dupFeature = featureColumns.find((t, i) => featureColumns.indexOf(t) !== i)
  if (dupFeature)
    throw new OptionError('featureColumns', featureColumns, `each column once; "${dupFeature}" appears twice`)
  const scale = typeof merged.scale === 'string' ? parseScale(merged.scale) : merged.scale
  if (scale) {
    for (const name of Object.keys(scale.byAttribute)) {
      if (targetColumns.length > 0 && !targetColumns.includes(name)) {
        throw new OptionError('scale', name, `one of the target columns: ${targetColumns.join(', ')}`)
      }
    }
  }
  return { ...merged, targetColumns, featureColumns, scale } as ResolvedDataOptions
}

/** `{ a: undefined }` must not override a default (hono's defaults spread has the same trap). */
export function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
