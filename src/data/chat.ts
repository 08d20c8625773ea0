/**
 * Chat records: `messages: [{ role, content }]`. The last assistant turn is the response and every
 * turn before it is the prompt. The prompt text is the whole conversation rendered one turn per
 * paragraph as "role: content" — not just the last user turn, because earlier turns (a system
 * prompt, a previous answer) change what a good response is. The turns themselves are kept on the
 * example as `messages` for featurizers that apply a chat template.
 *
 * @example
 *   splitChat([{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }])
 *   // { prompt: 'user: Hi', response: 'Hello!', messages: [{ role: 'user', content: 'Hi' }] }
 */
import type { ChatMessage } from '../core/text-pair.ts'

export type { ChatMessage }

/** Turns rendered as "role: content", separated by a blank line. */
export function renderChat(messages: readonly ChatMessage[]): string {
  return messages.map((m) => `${m.role}: ${m.content}`).join('\n\n')
}

/**
 * Validates a messages value into ChatMessage[]; returns a reason string when it is not one.
 * `content` may be a string or an array of parts ({ type: 'text', text }), whose texts are joined.
 * A string value is parsed as JSON first (a CSV cell holding the turns).
 */
export function toMessages(value: unknown): ChatMessage[] | string {
  let v = value
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v)
    } catch {
      return 'messages is a string that is not JSON; expected a list of {role, content} turns'
    }
  }
  if (!Array.isArray(v)) return 'messages must be a list of {role, content} turns'
  const out: ChatMessage[] = []
  for (let i = 0; i < v.length; i++) {
    const m = v[i] as { role?: unknown; content?: unknown } | null
    if (m === null || typeof m !== 'object' || typeof m.role !== 'string') {
      return `messages[${i}] must be an object with a string "role"`
    }
    const content = contentText(m.content)
    if (content === null) return `messages[${i}].content must be a string or a list of {type: 'text', text} parts`
    out.push({ role: m.role, content })
  }
  return out
}

function contentText(c: unknown): string | null {
  if (typeof c === 'string') return c
  if (!Array.isArray(c)) return null
  const texts: string[] = []
  for (const part of c) {
    if (typeof part === 'string') texts.push(part)
    else if (part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string') {
      texts.push((part as { text: string }).text)
    } else return null
  }
  return texts.join('')
}

export interface ChatSplit {
  prompt: string
  response: string
  messages: ChatMessage[]
}

/** Splits a conversation at its last assistant turn; returns a reason string when it cannot. */
export function splitChat(messages: readonly ChatMessage[]): ChatSplit | string {
  let last = -1
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i].role === 'assistant') {
      last = i
      break
    }
  }
  if (last < 0) return 'messages has no assistant turn to rate; the last assistant turn is the response'
  if (last < messages.length - 1) {
    return `messages continue after the last assistant turn (${messages.length - 1 - last} more turn(s)); the rated response must be the final turn`
  }
  const before = messages.slice(0, last)
  return { prompt: renderChat(before), response: messages[last].content, messages: before }
}
