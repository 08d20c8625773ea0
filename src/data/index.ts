/**
 * The data stage: ratings file -> validated RatingExamples (columns mapped, scales checked) -> splits.
 *
 * @example
 *   import { readRatings, parseWeights } from './data/index.ts'
 *   const stream = readRatings('ratings.csv', { targetColumns: ['helpfulness', 'verbosity'], scale: '0:4' })
 *   for await (const e of stream) ...
 *   parseWeights('helpfulness=1,verbosity=-0.1', stream.attributes)   // [1, -0.1]
 */
export { type ChatSplit, renderChat, splitChat, toMessages } from './chat.ts'
export { columnNames, getField, numericColumns } from './columns.ts'
export { type DelimitedOptions, QuotedRowParser, type QuoteMode, readDelimited } from './delimited.ts'
export { detectFormat } from './format.ts'
export { JsonArraySplitter, readJsonArray } from './json-array.ts'
export { readJsonl } from './jsonl.ts'
export {
  DATA_DEFAULTS,
  DATA_FORMATS,
  type DataFormat,
  type DataOptions,
  type ResolvedDataOptions,
  resolveDataOptions,
} from './options.ts'
export { type ParquetReadOptions, parquetColumns, readParquet } from './parquet.ts'
export type { ChatMessage, RatingExample, TextPair } from './rating-example.ts'
export { type BadRecord, isBadRecord, type RawRecord, type RecordOrError } from './raw-record.ts'
export { type RatingStream, type ReadSummary, readColumns, readRatings } from './read-ratings.ts'
export { readRecords } from './records.ts'
export { formatScale, parseScale, type RatingScale, type ScaleSpec, scalesFor } from './scale.ts'
export {
  hashKey,
  ratingsSplit,
  readRatingSplits,
  resolveSplitOptions,
  SPLIT_DEFAULTS,
  type Split,
  type SplitExample,
  type SplitFiles,
  type SplitOptions,
  splitKey,
} from './split.ts'
export { type ExampleContext, parseRating, toExample } from './to-example.ts'
export { parseWeights } from './weights.ts'
