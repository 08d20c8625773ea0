/**
 * Renders an (x, y) pair for a decoder: through the tokenizer's chat template (x's messages when the
 * example has them, else one user turn, then y as the assistant turn), or as "prompt\n\nresponse" when
 * the tokenizer has no template. The text is also split into head | body | tail, where body starts at
 * x's first message content and tail starts at y, so truncation can cut the prompt from the left while
 * keeping the template's head (BOS, system header) and the whole response.
 *
 * @example
 *   renderPair(tokenizer, { prompt: 'Hi', response: 'Hello!' }, 'auto')
 *   // { mode: 'chat-template', text: '<s><|user|>\nHi<|end|>\n<|assistant|>\nHello!<|end|>\n',
 *   //   parts: { head: '<s><|user|>\n', body: 'Hi<|end|>\n<|assistant|>\n', tail: 'Hello!<|end|>\n' } }
 */
import type { ChatMessage, TextPair } from './featurizer.ts'

/** The slice of transformers.js' PreTrainedTokenizer this module uses. */
export interface ChatTemplater {
  chat_template: unknown
  apply_chat_template(messages: ChatMessage[], options: { tokenize: false; add_generation_prompt: false }): unknown
}

export interface RenderedPair {
  /** 'chat-template' or 'plain' (no template on the tokenizer, or template: 'plain'). */
  mode: 'chat-template' | 'plain'
  text: string
  /** head + body + tail === text; absent when the template rewrites contents (then truncation keeps the end). */
  parts?: { head: string; body: string; tail: string }
}

// Private-use code points: no template adds or strips them, and no real text contains them.
const PROMPT_MARK = '\uE000rewardfit-prompt\uE001'
const RESPONSE_MARK = '\uE000rewardfit-response\uE001'

/** x's turns (or the prompt as one user turn), then y as the assistant turn. */
export function pairMessages(pair: TextPair): ChatMessage[] {
  const x = pair.messages && pair.messages.length > 0 ? pair.messages : [{ role: 'user', content: pair.prompt }]
  return [...x, { role: 'assistant', content: pair.response }]
}

export function hasChatTemplate(tokenizer: ChatTemplater): boolean {
  return tokenizer.chat_template !== null && tokenizer.chat_template !== undefined
}

export function renderPair(tokenizer: ChatTemplater, pair: TextPair, template: 'auto' | 'plain'): RenderedPair {
  if (template === 'plain' || !hasChatTemplate(tokenizer)) {
    const body = `${pair.prompt}\n\n`
    return { mode: 'plain', text: body + pair.response, parts: { head: '', body, tail: pair.response } }
  }
  const messages = pairMessages(pair)
  const render = (m: ChatMessage[]) =>
    String(tokenizer.apply_chat_template(m, { tokenize: false, add_generation_prompt: false }))
  const text = render(messages)
  const marked = messages.map((m, i) =>
    i === 0 ? { ...m, content: PROMPT_MARK } : i === messages.length - 1 ? { ...m, content: RESPONSE_MARK } : m,
  )
  const withMarks = render(marked)
  const p = withMarks.indexOf(PROMPT_MARK)
  const r = withMarks.indexOf(RESPONSE_MARK)
  if (p >= 0 && r > p) {
    const head = withMarks.slice(0, p)
    const body = messages[0].content + withMarks.slice(p + PROMPT_MARK.length, r)
    const tail = pair.response + withMarks.slice(r + RESPONSE_MARK.length)
    if (head + body + tail === text) return { mode: 'chat-template', text, parts: { head, body, tail } }
  }
  return { mode: 'chat-template', text }
}
