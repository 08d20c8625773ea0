/**
 * The data stage's entry point: stream a ratings file as RatingExamples, validated, with columns
 * mapped and scales checked. Each iteration re-reads the file, so two passes are two loops.
 *
 * @example
 *   const stream = readRatings('hanna.jsonl', { targetColumns: 'relevance,coherence', scale: '1:5', groupColumn: 'prompt_id' })
 *   for await (const e of stream) console.log(e.line, e.group, e.targets)   // 1 'P0' Float64Array [4, 3.33]
 *   stream.summary   // { examples: 1056, skipped: 0, skippedByReason: {}, labels: [1056, 1056], ... }
 */

import type { RatingScale } from '../core/targets.ts'
import { DataError, OptionError } from '../errors.ts'
import { columnNames, hasField, numericColumns, topLevelKey } from './columns.ts'
import { detectFormat } from './format.ts'
import { type DataFormat, type DataOptions, type ResolvedDataOptions, resolveDataOptions } from './options.ts'
import type { RatingExample } from './rating-example.ts'
import { isBadRecord, type RawRecord } from './raw-record.ts'
import { readRecords } from './records.ts'
import { scalesFor } from './scale.ts'
import { type ExampleContext, toExample } from './to-example.ts'

export interface ReadSummary {
  file: string
  format: DataFormat
  attributes: string[]
  scales: (RatingScale | null)[]
  /** Records seen, valid or not. */
  records: number
  /** Examples yielded. */
  examples: number
  /** Records skipped under skipInvalid, in total and per reason ('out-of-range', 'bad-json', ...). */
  skipped: number
  skippedByReason: Record<string, number>
  /** The first few skip messages, to show the user what was wrong. */
  skipExamples: string[]
  /** Labelled (non-NaN) ratings per attribute. */
  labels: number[]
  warnings: string[]
}

export interface RatingStream extends AsyncIterable<RatingExample> {
  readonly file: string
  readonly options: ResolvedDataOptions
  /** Attribute names, in target order (= targetColumns). */
  readonly attributes: string[]
  /** Filled in as the stream is read; final once iteration ends. */
  readonly summary: ReadSummary
}

const MAX_SKIP_EXAMPLES = 5
const MAX_WARNINGS = 100

export function readRatings(file: string, options: DataOptions | ResolvedDataOptions = {}): RatingStream {
  const o = resolveDataOptions(options)
  const format = detectFormat(file, o.format)
  const attributes = [...o.targetColumns]
  const scales = scalesFor(o.scale, attributes)
  const stream = {
    file,
    options: o,
    attributes,
    summary: emptySummary(file, format, attributes, scales),
    [Symbol.asyncIterator]: () => iterate(stream),
  }
  return stream
}

function emptySummary(
  file: string,
  format: DataFormat,
  attributes: string[],
  scales: (RatingScale | null)[],
): ReadSummary {
  return {
    file,
    format,
    attributes,
    scales,
    records: 0,
    examples: 0,
    skipped: 0,
    skippedByReason: {},
    skipExamples: [],
    labels: attributes.map(() => 0),
    warnings: [],
  }
}

async function* iterate(stream: RatingStream & { summary: ReadSummary }): AsyncGenerator<RatingExample> {
  const { file, options: o, attributes } = stream
  const summary = emptySummary(file, stream.summary.format, attributes, stream.summary.scales)
  stream.summary = summary
  const warn = (message: string) => {
    if (summary.warnings.length < MAX_WARNINGS) summary.warnings.push(message)
    o.onWarning?.(message)
  }
  const ctx: ExampleContext = {
    file,
    promptColumn: o.promptColumn,
    responseColumn: o.responseColumn,
    messagesColumn: o.messagesColumn,
    groupColumn: o.groupColumn,
    targetColumns: attributes,
    featureColumns: o.featureColumns,
    scales: summary.scales,
  }
  const wanted =
    attributes.length === 0
      ? undefined
      : [
          o.promptColumn,
          o.responseColumn,
          o.messagesColumn,
          ...attributes,
          ...o.featureColumns,
          ...(o.groupColumn ? [o.groupColumn] : []),
        ].map(topLevelKey)
  let checked = false
  for await (const batch of readRecords(file, o, warn, wanted)) {
    for (const record of batch) {
      summary.records++
      if (!isBadRecord(record) && !checked) {
        checkColumns(record, ctx, o.requireTargets)
        checked = true
      }
      const result = isBadRecord(record) ? record : toExample(record, ctx)
      if (isBadRecord(result)) {
        if (!o.skipInvalid) throw result.error
        summary.skipped++
        summary.skippedByReason[result.reason] = (summary.skippedByReason[result.reason] ?? 0) + 1
        if (summary.skipExamples.length < MAX_SKIP_EXAMPLES) summary.skipExamples.push(result.error.message)
        o.onSkip?.(result.error, result.reason)
        continue
      }
      for (let a = 0; a < attributes.length; a++) if (!Number.isNaN(result.targets[a])) summary.labels[a]++
      summary.examples++
      yield result
    }
  }
  if (summary.records === 0) throw new DataError('the file holds no records', { file })
  if (summary.examples === 0 && summary.skipped > 0) {
    // Going on would report metrics of nothing (NaN) or train on nothing.
    throw new DataError(
      `every record was invalid and skipped (${summary.skipped}: ${Object.entries(summary.skippedByReason)
        .map(([r, n]) => `${r} ${n}`)
        .join(
          ', ',
        )}); e.g. ${summary.skipExamples[0]}; fix the file or the column flags (--prompt, --response, --targets)`,
      { file },
    )
  }
}

/**
 * The first good record decides whether the column mapping fits the file: a name it lacks is almost
 * always a typo, and failing here beats marking every row invalid. (A JSON Lines file whose first
 * record omits a rating should write it as null.)
 */
function checkColumns(record: RawRecord, ctx: ExampleContext, requireTargets: boolean): void {
  const v = record.values
  const known = () => columnNames(v).join(', ')
  if (ctx.targetColumns.length === 0 && requireTargets) {
    const numeric = numericColumns(v, [
      ctx.promptColumn,
      ctx.responseColumn,
      ...(ctx.groupColumn ? [ctx.groupColumn] : []),
    ])
    throw new OptionError(
      'targetColumns',
      [],
      numeric.length > 0
        ? `the rating columns to learn; numeric columns in the first row of ${ctx.file}: ${numeric.join(', ')} (e.g. --targets ${numeric.join(',')})`
        : `the rating columns to learn; the first row of ${ctx.file} has no numeric column (columns: ${known()})`,
    )
  }
  for (const name of ctx.targetColumns) {
    if (!hasField(v, name))
      throw new OptionError('targetColumns', name, `a column of ${ctx.file}; its columns are: ${known()}`)
  }
  for (const name of ctx.featureColumns) {
    if (!hasField(v, name))
      throw new OptionError(
        'featureColumns',
        name,
        `a numeric column of ${ctx.file} (the model uses it as a side feature, --features); its columns are: ${known()}`,
      )
  }
  const chat = hasField(v, ctx.messagesColumn)
  if (!chat && !hasField(v, ctx.promptColumn)) {
    throw new OptionError(
      'promptColumn',
      ctx.promptColumn,
      `a column of ${ctx.file} (or chat turns in "${ctx.messagesColumn}"); its columns are: ${known()}`,
    )
  }
  if (!chat && !hasField(v, ctx.responseColumn)) {
    throw new OptionError(
      'responseColumn',
      ctx.responseColumn,
      `a column of ${ctx.file} (or chat turns in "${ctx.messagesColumn}"); its columns are: ${known()}`,
    )
  }
  if (ctx.groupColumn !== null && !hasField(v, ctx.groupColumn)) {
    throw new OptionError('groupColumn', ctx.groupColumn, `a column of ${ctx.file}; its columns are: ${known()}`)
  }
}

/** The columns and numeric columns of a file's first record, e.g. to suggest --targets. */
export async function readColumns(
  file: string,
  options: DataOptions = {},
): Promise<{ columns: string[]; numeric: string[] }> {
  const o = resolveDataOptions(options)
  for await (const batch of readRecords(file, o, () => {})) {
    for (const record of batch) {
      if (isBadRecord(record)) continue
      return {
        columns: columnNames(record.values),
        numeric: numericColumns(record.values, [o.promptColumn, o.responseColumn]),
      }
    }
  }
  throw new DataError('the file holds no records', { file })
}
