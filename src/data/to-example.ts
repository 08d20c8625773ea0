/**
 * One raw record -> one RatingExample, or the reason it is invalid. Ratings stay in raw units; a
 * missing rating (absent, null, '', NA, N/A, NaN, null, None) is NaN, never 0, because a zero would
 * teach the model that the response is as bad as it gets.
 *
 * @example
 *   toExample({ values: { prompt: 'Hi', response: 'Yo', a: '3' }, line: 2, unit: 'line' }, ctx)
 *   // { prompt: 'Hi', response: 'Yo', targets: Float64Array [3], line: 2 }
 */

import type { RatingScale } from '../core/targets.ts'
import { DataError } from '../errors.ts'
import { renderChat, splitChat, toMessages } from './chat.ts'
import { getField } from './columns.ts'
import type { ChatMessage, RatingExample } from './rating-example.ts'
import { at, type BadRecord, type RawRecord } from './raw-record.ts'

export interface ExampleContext {
  file: string
  promptColumn: string
  responseColumn: string
  messagesColumn: string
  groupColumn: string | null
  targetColumns: readonly string[]
  featureColumns: readonly string[]
  scales: readonly (RatingScale | null)[]
}

const MISSING = /^(|na|n\/a|nan|null|none)$/i

/** A rating value: a number, NaN when missing, or null when it is not a number at all. */
export function parseRating(v: unknown): number | null {
  if (v === undefined || v === null) return Number.NaN
  if (typeof v === 'number') return Number.isNaN(v) || Number.isFinite(v) ? v : null
  if (typeof v === 'string') {
    const s = v.trim()
    if (MISSING.test(s)) return Number.NaN
    const x = Number(s)
    return Number.isFinite(x) ? x : null
  }
  return null
}

/** A value that reads as a number but overflows to ±Infinity (1e999 in JSON parses as Infinity). */
function isOverflow(v: unknown): boolean {
  if (typeof v === 'number') return !Number.isFinite(v) && !Number.isNaN(v)
  return typeof v === 'string' && /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(v.trim()) && !Number.isFinite(Number(v))
}

const present = (v: unknown) => v !== undefined && v !== null

export function toExample(record: RawRecord, ctx: ExampleContext): RatingExample | BadRecord {
  const { values, line, unit } = record
  const bad = (reason: string, message: string, field?: string): BadRecord => ({
    error: new DataError(message, at(ctx.file, line, unit, field)),
    reason,
    line,
  })

  let messages: ChatMessage[] | undefined
  const rawMessages = getField(values, ctx.messagesColumn)
  if (present(rawMessages)) {
    const m = toMessages(rawMessages)
    if (typeof m === 'string') return bad('bad-messages', m, ctx.messagesColumn)
    messages = m
  }

  let prompt: string | undefined
  let response: string | undefined
  const rawResponse = getField(values, ctx.responseColumn)
  if (present(rawResponse)) {
    if (typeof rawResponse !== 'string') {
      return bad('missing-response', `the response must be text, found ${describe(rawResponse)}`, ctx.responseColumn)
    }
    response = rawResponse
  } else if (messages) {
    const split = splitChat(messages)
    if (typeof split === 'string') return bad('bad-messages', split, ctx.messagesColumn)
    response = split.response
    messages = split.messages
    prompt = split.prompt
  } else {
    return bad(
      'missing-response',
      `no response (field "${ctx.responseColumn}" is empty or absent, and there are no "${ctx.messagesColumn}" chat turns); ` +
        'fill it in, map the right column with --response, or skip such rows (--skip-invalid)',
      ctx.responseColumn,
    )
  }

  const rawPrompt = getField(values, ctx.promptColumn)
  if (present(rawPrompt)) {
    if (typeof rawPrompt !== 'string') {
      return bad('missing-prompt', `the prompt must be text, found ${describe(rawPrompt)}`, ctx.promptColumn)
    }
    prompt = rawPrompt
  } else if (prompt === undefined) {
    if (!messages) {
      return bad(
        'missing-prompt',
        `no prompt (field "${ctx.promptColumn}" is empty or absent, and there are no "${ctx.messagesColumn}" chat turns); ` +
          'fill it in, map the right column with --prompt, or skip such rows (--skip-invalid)',
        ctx.promptColumn,
      )
    }
    prompt = renderChat(messages)
  }

  const k = ctx.targetColumns.length
  const targets = new Float64Array(k)
  let labelled = 0
  for (let a = 0; a < k; a++) {
    const name = ctx.targetColumns[a]
    const raw = getField(values, name)
    const x = parseRating(raw)
    if (x === null && isOverflow(raw)) {
      return bad(
        'not-finite',
        `rating ${typeof raw === 'string' ? JSON.stringify(raw.trim()) : '(a number such as 1e999)'} is out of range: ` +
          'it is not a finite number; write a number within the rating scale, or leave it empty (or NA) for a missing label',
        name,
      )
    }
    if (x === null) {
      return bad(
        'non-numeric-rating',
        `rating ${JSON.stringify(raw)} is not a number; write a number, or leave it empty (or NA) for a missing label`,
        name,
      )
    }
    const scale = ctx.scales[a]
    if (scale && !Number.isNaN(x) && (x < scale.min || x > scale.max)) {
      return bad(
        'out-of-range',
        `rating ${x} is outside the scale ${scale.min}:${scale.max}; fix the row, widen the scale ` +
          `(--scale ${name}=${Math.min(scale.min, x)}:${Math.max(scale.max, x)}), or skip such rows (--skip-invalid)`,
        name,
      )
    }
    targets[a] = x
    if (!Number.isNaN(x)) labelled++
  }
  if (k > 0 && labelled === 0) {
    return bad(
      'no-ratings',
      `every rating (${ctx.targetColumns.join(', ')}) is missing, so the row teaches nothing; ` +
        'fill one in or skip such rows (--skip-invalid)',
    )
  }

  const example: RatingExample = { prompt, response, targets, line }
  if (messages) example.messages = messages
  if (ctx.featureColumns.length > 0) {
    const features = new Float64Array(ctx.featureColumns.length)
    for (let f = 0; f < features.length; f++) {
      const name = ctx.featureColumns[f]
      const raw = getField(values, name)
      const x = parseRating(raw)
      if (x === null || Number.isNaN(x)) {
        return bad(
          'bad-feature',
          `side feature ${x === null ? `${describe(raw)} is not a finite number` : 'is missing'}; every row needs a number ` +
            'in each --features column (fill it in, drop the column from --features, or skip such rows with --skip-invalid)',
          name,
        )
      }
      features[f] = x
    }
    example.features = features
  }
  if (ctx.groupColumn !== null) {
    const g = getField(values, ctx.groupColumn)
    if (typeof g === 'string' ? g === '' : !(typeof g === 'number' && Number.isFinite(g))) {
      return bad(
        'missing-group',
        `no group value (found ${describe(g)}); every row needs one so its group stays on one side of the split`,
        ctx.groupColumn,
      )
    }
    example.group = String(g)
  }
  return example
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing'
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'an object'
  return `${typeof v} ${JSON.stringify(v)}`
}
