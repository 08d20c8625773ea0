/**
 * Splits an OpenRLHF query (the decoded prompt + response) back into its response, given the prompt
 * the client sent in `prompts`. OpenRLHF cuts a long prompt's *tokens from the left* and decodes
 * prompt + response tokens into `query`, so the query may start with only a suffix of the prompt,
 * and the decode round trip may change it: whitespace (SentencePiece's leading "▁", spaces removed
 * before punctuation), a partial character at the cut (U+FFFD), special tokens added or dropped
 * (<s>, <|im_start|>, [CLS]), or case (uncased tokenizers).
 *
 * Rule: the response starts after the longest suffix of the prompt that begins the query, where
 * both are compared without whitespace, U+FFFD, special tokens and case. The overlap must cover the
 * whole prompt or at least MIN_OVERLAP such characters. The prompt's own trailing whitespace is
 * kept out of the response when the query repeats it, so an untouched query splits exactly as
 * `query.slice(prompt.length)`. When no such overlap exists, the whole query is the response
 * (`found: false`).
 *
 * @example
 *   splitQuery('Q: name a prime.\nA: Seven.', 'Q: name a prime.\nA:')        // { response: ' Seven.', found: true }
 *   splitQuery('a prime.\nA: Seven.', 'Q: name a prime.\nA:')              // { response: ' Seven.', found: true }  (cut from the left)
 *   splitQuery('Seven.', 'Q: name a prime.\nA:')                            // { response: 'Seven.', found: false }
 */

/** Fewest compared characters an overlap needs, unless it covers the whole prompt. */
export const MIN_OVERLAP = 16

export interface QuerySplit {
  response: string
  /** False when the prompt was not found and the whole query is the response. */
  found: boolean
}

// Special-token spellings of common tokenizers: <|im_start|>, <|eot_id|>, <s>, </s>, <bos>, [CLS] ...
const SPECIAL =
  /<\|[^|<>\s]{1,64}\|>|<\/?s>|<(?:bos|eos|pad|unk|start_of_turn|end_of_turn)>|\[(?:CLS|SEP|PAD|UNK|MASK|BOS|EOS)\]/g

/** The characters that take part in matching, each with its index in `text`. */
function significant(text: string): { chars: string[]; at: number[] } {
  const skip = new Uint8Array(text.length)
  for (const m of text.matchAll(SPECIAL)) skip.fill(1, m.index, m.index + m[0].length)
  const chars: string[] = []
  const at: number[] = []
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (skip[i] || c === '\uFFFD' || /\s/.test(c)) continue
    const lower = c.toLowerCase()
    chars.push(lower.length === 1 ? lower : c)
    at.push(i)
  }
  return { chars, at }
}

/** Length of the longest prefix of `q` that is a suffix of `p` (KMP over q's prefix function). */
export function longestOverlap(p: readonly string[], q: readonly string[]): number {
  const m = Math.min(q.length, p.length)
  if (m === 0) return 0
  const pi = new Int32Array(m)
  for (let i = 1, k = 0; i < m; i++) {
    while (k > 0 && q[i] !== q[k]) k = pi[k - 1]
    if (q[i] === q[k]) k++
    pi[i] = k
  }
  let state = 0
  for (const c of p) {
    while (state > 0 && (state === m || q[state] !== c)) state = pi[state - 1]
    if (q[state] === c && state < m) state++
  }
  return state
}

export function splitQuery(query: string, prompt: string): QuerySplit {
  if (query.startsWith(prompt)) return { response: query.slice(prompt.length), found: true }
  const p = significant(prompt)
  const q = significant(query)
  const n = longestOverlap(p.chars, q.chars)
  if (n === 0 || n < Math.min(MIN_OVERLAP, p.chars.length)) return { response: query, found: false }
  let end = q.at[n - 1] + 1
  // The prompt's text after its last compared character (whitespace, special tokens) belongs to the
  // prompt too when the query repeats it; then the response reads as in an untouched query.
  const tail = prompt.slice(p.at[p.at.length - 1] + 1)
  if (tail && query.startsWith(tail, end)) end += tail.length
  return { response: query.slice(end), found: true }
}
