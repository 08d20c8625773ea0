/**
 * Anthropic HH-RLHF rows hold two whole transcripts, "\n\nHuman: … \n\nAssistant: …", that share
 * everything up to the last assistant turn. The split point is the last "\n\nAssistant:" marker that
 * lies inside the two transcripts' common prefix: searching only the shared part means an
 * "Assistant:" written inside a response (or a turn that differs) can never be taken for the split.
 *
 * @example
 *   splitHHPair('\n\nHuman: Hi\n\nAssistant: Hello!', '\n\nHuman: Hi\n\nAssistant: Go away.')
 *   // { prompt: '\n\nHuman: Hi\n\nAssistant:', chosen: 'Hello!', rejected: 'Go away.',
 *   //   messages: [{ role: 'user', content: 'Hi' }] }
 */
import type { ChatMessage } from '../featurize/featurizer.ts'

export const HH_ASSISTANT = '\n\nAssistant:'
export const HH_HUMAN = '\n\nHuman:'

export interface HHSplit {
  /** The shared transcript up to and including the last "\n\nAssistant:" marker. */
  prompt: string
  chosen: string
  rejected: string
  /** The prompt's turns, for chat templates. */
  messages: ChatMessage[]
}

/** True when a string looks like an HH transcript. */
export const isHHTranscript = (s: unknown): s is string =>
  typeof s === 'string' && s.includes(HH_ASSISTANT) && (s.startsWith(HH_HUMAN) || s.startsWith('Human:'))

/** Returns null when the transcripts share no assistant marker (the caller names the row in its error). */
export function splitHHPair(chosen: string, rejected: string): HHSplit | null {
  let common = 0
  const max = Math.min(chosen.length, rejected.length)
  while (common < max && chosen.charCodeAt(common) === rejected.charCodeAt(common)) common++
  // The marker must end inside the shared prefix: lastIndexOf from (common − marker length).
  const at = common >= HH_ASSISTANT.length ? chosen.lastIndexOf(HH_ASSISTANT, common - HH_ASSISTANT.length) : -1
  if (at < 0) return null
  const end = at + HH_ASSISTANT.length
  const prompt = chosen.slice(0, end)
  return {
    prompt,
    chosen: stripLeadingSpace(chosen.slice(end)),
    rejected: stripLeadingSpace(rejected.slice(end)),
    messages: hhTurns(prompt),
  }
}

/** The turns of an HH transcript prefix; the trailing empty "Assistant:" turn is dropped. */
export function hhTurns(transcript: string): ChatMessage[] {
  const text = transcript.startsWith('Human:') ? `\n\n${transcript}` : transcript
  const re = /\n\n(Human|Assistant):/g
  const marks: { role: string; start: number; end: number }[] = []
  for (let m = re.exec(text); m; m = re.exec(text)) {
    marks.push({ role: m[1] === 'Human' ? 'user' : 'assistant', start: m.index, end: m.index + m[0].length })
  }
  const turns: ChatMessage[] = []
  for (let i = 0; i < marks.length; i++) {
    const content = text.slice(marks[i].end, i + 1 < marks.length ? marks[i + 1].start : text.length).trim()
    if (i === marks.length - 1 && marks[i].role === 'assistant' && content === '') break
    turns.push({ role: marks[i].role, content })
  }
  return turns
}

const stripLeadingSpace = (s: string): string => (s.startsWith(' ') ? s.slice(1) : s)
