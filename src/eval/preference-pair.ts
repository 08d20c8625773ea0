/**
 * Preference rows, whatever their source format, become one `PreferencePair`: a prompt and two
 * responses to it. The layouts of RewardBench and of every TRL preference dataset are recognized:
 *   - plain:  {prompt: "...", chosen: "...", rejected: "...", subset?: "..."}
 *   - chat:   {chosen: [{role, content}, ...], rejected: [...], prompt?: "..." | [...]} — the last
 *             assistant turn of each list is the response; the turns before it are the shared prompt,
 *             rendered as chat records are (data/chat.ts: "role: content" per turn);
 *   - a message-list prompt with string responses: {prompt: [{role, content}, ...], chosen: "...", rejected: "..."};
 *   - HH:     {chosen: "\n\nHuman: ...\n\nAssistant: ...", rejected: "..."} — split at the last
 *             assistant turn the two transcripts share (see hh-split.ts); a "prompt" field that both
 *             transcripts start with is allowed (some HH exports repeat it).
 *
 * Optional columns (named in PairColumns, off by default) add a margin m, a win probability p of
 * `chosen` (soft labels; 0.5 is a tie) and a group that keeps pairs of one prompt on one split side.
 *
 * @example
 *   pairFromRecord({ prompt: 'Hi', chosen: 'Hello!', rejected: 'Go away', subset: 'chat' }, { file: 'p.jsonl', line: 1 })
 *   // { prompt: 'Hi', chosen: 'Hello!', rejected: 'Go away', subset: 'chat', line: 1 }
 */

import { toMessages as parseMessages, renderChat } from '../data/chat.ts'
import { DataError } from '../errors.ts'
import type { ChatMessage, TextPair } from '../featurize/featurizer.ts'
import { isHHTranscript, splitHHPair } from './hh-split.ts'

export interface PreferencePair {
  prompt: string
  /** The prompt's turns when the source had them (chat and HH rows). */
  messages?: ChatMessage[]
  chosen: string
  rejected: string
  /** Category for per-subset accuracy (RewardBench's `subset`); undefined when the row has none. */
  subset?: string
  /** 1-based line (or row) in the source file. */
  line: number
  /** Probability that `chosen` wins, in [0, 1] (a tie is 0.5); undefined = 1. */
  label?: number
  /** Margin m by which r_c should exceed r_r; undefined = 0. */
  margin?: number
  /** Split group (e.g. a prompt id); undefined = the prompt text. */
  group?: string
  /** Side features of each response (models trained with --features; pairs derived from ratings carry them). */
  chosenFeatures?: ArrayLike<number>
  rejectedFeatures?: ArrayLike<number>
}

/** Field names of a preference row; defaults are RewardBench's. */
export interface PairColumns {
  prompt?: string
  chosen?: string
  rejected?: string
  subset?: string
  /** Optional columns, read only when named: a margin, a win probability of chosen, a split group. */
  margin?: string | null
  label?: string | null
  group?: string | null
}
export const PAIR_COLUMN_DEFAULTS = {
  prompt: 'prompt',
  chosen: 'chosen',
  rejected: 'rejected',
  subset: 'subset',
  margin: null,
  label: null,
  group: null,
} satisfies Required<PairColumns>

interface Where {
  file: string
  line: number
  unit?: 'line' | 'row'
}

export function pairFromRecord(
  values: Record<string, unknown>,
  where: Where,
  columns: Required<PairColumns> = PAIR_COLUMN_DEFAULTS,
): PreferencePair {
  const pair = pairTextsFromRecord(values, where, columns)
  const loc = (field: string) =>
    where.unit === 'row' ? { file: where.file, row: where.line, field } : { file: where.file, line: where.line, field }
  const number = (column: string | null, ok: (v: number) => boolean, expected: string): number | undefined => {
    if (column === null) return undefined
    const raw = values[column]
    const v = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) {
      throw new DataError(`"${column}" is ${JSON.stringify(raw) ?? 'missing'}; expected ${expected}`, loc(column))
    }
    return v
  }
  const margin = number(columns.margin, () => true, 'a finite number (the margin by which chosen should win)')
  const label = number(columns.label, (v) => v >= 0 && v <= 1, 'a probability in [0, 1] that chosen wins (0.5 = tie)')
  if (margin !== undefined) pair.margin = margin
  if (label !== undefined) pair.label = label
  if (columns.group !== null) {
    const g = values[columns.group]
    if (g === undefined || g === null || g === '')
      throw new DataError(`missing "${columns.group}" (the split group)`, loc(columns.group))
    pair.group = String(g)
  }
  return pair
}

function pairTextsFromRecord(
  values: Record<string, unknown>,
  where: Where,
  columns: Required<PairColumns>,
): PreferencePair {
  const loc = (field?: string) =>
    where.unit === 'row' ? { file: where.file, row: where.line, field } : { file: where.file, line: where.line, field }
  const chosen = values[columns.chosen]
  const rejected = values[columns.rejected]
  const prompt = values[columns.prompt]
  const subsetRaw = values[columns.subset]
  const subset = subsetRaw === undefined || subsetRaw === null || subsetRaw === '' ? undefined : String(subsetRaw)
  for (const [name, v] of [
    [columns.chosen, chosen],
    [columns.rejected, rejected],
  ] as const) {
    if (v === undefined || v === null) {
      throw new DataError(
        `missing "${name}"; a preference row needs "${columns.chosen}" and "${columns.rejected}"`,
        loc(name),
      )
    }
  }

  if (Array.isArray(chosen) || Array.isArray(rejected)) {
    const c = chatResponse(chosen, columns.chosen, loc)
    const r = chatResponse(rejected, columns.rejected, loc)
    let messages: ChatMessage[]
    if (prompt === undefined || prompt === null) {
      if (!sameTurns(c.before, r.before)) {
        throw new DataError(
          `"${columns.chosen}" and "${columns.rejected}" have different turns before the last assistant turn; they must share the prompt (or give "${columns.prompt}")`,
          loc(columns.rejected),
        )
      }
      messages = c.before
    } else if (typeof prompt === 'string') {
      // A prompt field plus message lists: the lists may repeat the prompt (UltraFeedback) or not.
      messages = c.before.length > 0 ? c.before : [{ role: 'user', content: prompt }]
    } else {
      messages = toMessages(prompt, columns.prompt, loc)
    }
    if (messages.length === 0) throw new DataError('the conversation has no prompt turns', loc(columns.chosen))
    return {
      prompt: renderChat(messages),
      messages,
      chosen: c.response,
      rejected: r.response,
      subset,
      line: where.line,
    }
  }

  if (typeof chosen !== 'string' || typeof rejected !== 'string') {
    throw new DataError(
      'expected a string or a list of {role, content} messages',
      loc(typeof chosen !== 'string' ? columns.chosen : columns.rejected),
    )
  }
  // HH transcripts with or without a prompt field (some HH exports carry the shared prefix as
  // "prompt" and still repeat it in both transcripts): split them the same way.
  const hhWithPrompt =
    typeof prompt === 'string' && isHHTranscript(chosen) && chosen.startsWith(prompt) && rejected.startsWith(prompt)
  if (((prompt === undefined || prompt === null) && isHHTranscript(chosen)) || hhWithPrompt) {
    const split = splitHHPair(chosen, rejected)
    if (!split) {
      throw new DataError(
        'the two transcripts share no "\\n\\nAssistant:" turn, so the prompt cannot be split off; give a "prompt" field or Anthropic HH transcripts',
        loc(columns.chosen),
      )
    }
    // The prompt is rendered from the turns as chat records are (data/chat.ts), so a model trained on
    // chat data sees HH prompts in the same shape.
    return {
      prompt: renderChat(split.messages),
      messages: split.messages,
      chosen: split.chosen,
      rejected: split.rejected,
      subset,
      line: where.line,
    }
  }
  if (Array.isArray(prompt)) {
    // TRL's conversational prompt with plain-string completions.
    const messages = toMessages(prompt, columns.prompt, loc)
    if (messages.length === 0) throw new DataError('the prompt has no turns', loc(columns.prompt))
    return { prompt: renderChat(messages), messages, chosen, rejected, subset, line: where.line }
  }
  if (typeof prompt !== 'string') {
    throw new DataError(
      `missing "${columns.prompt}" (a string or message list); rows without a prompt must be Anthropic HH transcripts`,
      loc(columns.prompt),
    )
  }
  return { prompt, chosen, rejected, subset, line: where.line }
}

/** The (prompt, chosen) and (prompt, rejected) pairs the model scores. */
export function pairTexts(p: PreferencePair): [TextPair, TextPair] {
  const base = p.messages ? { prompt: p.prompt, messages: p.messages } : { prompt: p.prompt }
  return [
    { ...base, response: p.chosen, ...(p.chosenFeatures && { features: p.chosenFeatures }) },
    { ...base, response: p.rejected, ...(p.rejectedFeatures && { features: p.rejectedFeatures }) },
  ]
}

type Loc = (field?: string) => { file: string; line?: number; row?: number; field?: string }

function chatResponse(v: unknown, field: string, loc: Loc): { before: ChatMessage[]; response: string } {
  if (typeof v === 'string') return { before: [], response: v }
  const turns = toMessages(v, field, loc)
  const last = turns[turns.length - 1]
  if (last?.role !== 'assistant') {
    throw new DataError('the message list must end with an assistant turn (the response)', loc(field))
  }
  return { before: turns.slice(0, -1), response: last.content }
}

function toMessages(v: unknown, field: string, loc: Loc): ChatMessage[] {
  const m = parseMessages(v)
  if (typeof m === 'string') throw new DataError(m, loc(field))
  return m
}

const sameTurns = (a: ChatMessage[], b: ChatMessage[]): boolean =>
  a.length === b.length && a.every((m, i) => m.role === b[i].role && m.content === b[i].content)
