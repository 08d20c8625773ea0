/**
 * The unit the data stage produces: one rated (prompt, response) pair.
 *
 * @example
 *   const e: RatingExample = { prompt: 'Hi', response: 'Hello!', targets: Float64Array.of(3, NaN), line: 2 }
 */
import type { ChatMessage, TextPair } from '../core/text-pair.ts'

export type { ChatMessage, TextPair }

export interface RatingExample extends TextPair {
  prompt: string
  response: string
  /** The chat turns before the response, when the source had `messages`. */
  messages?: ChatMessage[]
  /** One rating per attribute in raw units (the file's scale); NaN = missing label, never 0. */
  targets: Float64Array
  /** Side features, one per featureColumns entry, raw units (finite). */
  features?: Float64Array
  /** Split key: rows of one group always land on the same side. */
  group?: string
  /** 1-based physical start line (text formats) or 1-based row number (Parquet). */
  line: number
}
