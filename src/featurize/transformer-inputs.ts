/**
 * Token rows for a transformer: encoders read (x, y) as a text pair ([CLS] x [SEP] y [SEP] for BERT,
 * token_type_ids 0 then 1); decoders read the chat-template rendering (see chat-template.ts).
 * Rows longer than maxLength lose their oldest tokens first: the prompt from the left, then (only when
 * the response alone is too long) the start of the response. Special tokens and a template's head
 * (BOS, system header) are always kept.
 *
 * @example
 *   const rows = createEncoderRows(tokenizer, 8)
 *   rows({ prompt: 'one two three four', response: 'five six' })
 *   // { ids: [CLS, three, four, SEP, five, six, SEP] …, typeIds: [0, 0, 0, 0, 1, 1, 1], truncated: true }
 *   // ('one two' cut: 4 + 2 + 3 specials > 8)
 */
import { type ChatTemplater, type RenderedPair, renderPair } from './chat-template.ts'
import type { TextPair } from './featurizer.ts'

export interface TokenRow {
  ids: number[]
  /** Segment ids (0 = prompt, 1 = response) as the tokenizer's post-processor assigns them. */
  typeIds: number[]
  /** The row was cut to fit maxLength. */
  truncated: boolean
}

/** The parts of transformers.js' PreTrainedTokenizer (and its @huggingface/tokenizers core) used here. */
export interface RowTokenizer extends ChatTemplater {
  encode(text: string, options: { add_special_tokens: boolean }): number[]
  _tokenizer: {
    token_to_id(token: string): number | undefined
    post_processor: {
      post_process(
        a: string[],
        b?: string[] | null,
        addSpecial?: boolean,
      ): { tokens: string[]; token_type_ids?: number[] }
    } | null
  }
}

export type RowBuilder = (pair: TextPair) => TokenRow

// Placeholder tokens let the post-processor place the special tokens around ids it never sees.
const slot = (seq: number, i: number) => `\uE002${seq}:${i}`

/** Wraps content ids a (and b) with the tokenizer's special tokens, as its post-processor would. */
export function withSpecialTokens(tok: RowTokenizer, a: number[], b?: number[]): { ids: number[]; typeIds: number[] } {
  const post = tok._tokenizer.post_processor
  if (!post) {
    return { ids: [...a, ...(b ?? [])], typeIds: [...a.map(() => 0), ...(b ?? []).map(() => 1)] }
  }
  const out = post.post_process(
    a.map((_, i) => slot(0, i)),
    b ? b.map((_, i) => slot(1, i)) : null,
    true,
  )
  const ids = out.tokens.map((t) => {
    const m = /^\uE002(\d):(\d+)$/.exec(t)
    if (m) return (m[1] === '0' ? a : b!)[Number(m[2])]
    const id = tok._tokenizer.token_to_id(t)
    if (id === undefined)
      throw new Error(`tokenizer post-processor adds token ${JSON.stringify(t)} that is not in the vocabulary`)
    return id
  })
  return { ids, typeIds: out.token_type_ids ?? ids.map(() => 0) }
}

/** Count of special tokens the post-processor adds around a pair (or a single sequence). */
function specialCount(tok: RowTokenizer, pair: boolean): number {
  return withSpecialTokens(tok, [0], pair ? [0] : undefined).ids.length - (pair ? 2 : 1)
}

/** Drops `over` tokens: from the left of `first`, then from the left of `second`. */
function cutLeft(first: number[], second: number[], over: number): [number[], number[]] {
  const a = Math.min(over, first.length)
  return [first.slice(a), second.slice(Math.min(over - a, second.length))]
}

export function createEncoderRows(tok: RowTokenizer, maxLength: number): RowBuilder {
  const specials = specialCount(tok, true)
  if (specials >= maxLength)
    throw new RangeError(`maxLength ${maxLength} leaves no room beside ${specials} special tokens`)
  return (pair) => {
    let a = tok.encode(pair.prompt, { add_special_tokens: false })
    let b = tok.encode(pair.response, { add_special_tokens: false })
    const over = a.length + b.length + specials - maxLength
    if (over > 0) [a, b] = cutLeft(a, b, over)
    return { ...withSpecialTokens(tok, a, b), truncated: over > 0 }
  }
}

export function createDecoderRows(tok: RowTokenizer, maxLength: number, template: 'auto' | 'plain'): RowBuilder {
  const plainSpecials = specialCount(tok, false)
  return (pair) => {
    const r = renderPair(tok, pair, template)
    // A chat template writes its own BOS; plain text gets the tokenizer's usual specials.
    const addSpecial = r.mode === 'plain'
    const ids = tok.encode(r.text, { add_special_tokens: addSpecial })
    if (ids.length <= maxLength) return { ids, typeIds: ids.map(() => 0), truncated: false }
    if (!r.parts) return keepEnd(ids, maxLength)
    const enc = (s: string) => (s ? tok.encode(s, { add_special_tokens: false }) : [])
    const head = enc(r.parts.head)
    const extra = addSpecial ? plainSpecials : 0
    if (head.length + extra >= maxLength) return keepEnd(ids, maxLength)
    const bodyIds = enc(r.parts.body)
    const tailIds = enc(r.parts.tail)
    const [body, tail] = cutLeft(bodyIds, tailIds, head.length + extra + bodyIds.length + tailIds.length - maxLength)
    const content = [...head, ...body, ...tail]
    const out = addSpecial ? withSpecialTokens(tok, content).ids : content
    return { ids: out, typeIds: out.map(() => 0), truncated: true }
  }
}

function keepEnd(ids: number[], maxLength: number): TokenRow {
  const out = ids.slice(ids.length - maxLength)
  return { ids: out, typeIds: out.map(() => 0), truncated: true }
}

/** Whether rows will be rendered with the chat template ('chat-template') or as plain text. */
export function decoderMode(tok: ChatTemplater, template: 'auto' | 'plain'): RenderedPair['mode'] {
  return renderPair(tok, { prompt: '', response: '' }, template).mode
}
