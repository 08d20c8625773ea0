/**
 * Renders an (x, y) pair into the token ids a GGUF model reads: through the model's own chat
 * template when it has one (node-llama-cpp picks a matching chat wrapper, e.g. ChatML, Llama 3,
 * Gemma, or runs the Jinja template), else as "prompt\n\nresponse". The response is the last turn
 * and nothing follows it, so the last token is the response's own last token.
 *
 * @example
 *   const render = createRenderer(nlc, model, { template: 'auto', maxTokens: 2048 })
 *   render({ prompt: 'Capital of France?', response: 'Paris' })
 *   // ChatML model: <s><|im_start|>user\nCapital of France?<|im_end|>\n<|im_start|>assistant\nParis
 */
import type { ChatHistoryItem, LlamaModel, Token } from 'node-llama-cpp'
import type { TextPair } from './featurizer.ts'
import type { ResolvedGgufOptions } from './gguf-options.ts'

type NodeLlamaCpp = typeof import('node-llama-cpp')

export interface Renderer {
  /** 'chat-template:<wrapper name>' or 'plain'; part of the fingerprint. */
  readonly mode: string
  /** Token ids, BOS first when the model wants one, at most maxTokens long. */
  (pair: TextPair): Token[]
}

/** The chat history node-llama-cpp's wrappers take: x's turns (or the prompt as one user turn), then y. */
export function toChatHistory(pair: TextPair): ChatHistoryItem[] {
  const turns: ChatHistoryItem[] = (pair.messages ?? [{ role: 'user', content: pair.prompt }]).map((m) =>
    m.role === 'system'
      ? { type: 'system', text: m.content }
      : m.role === 'assistant'
        ? { type: 'model', response: [m.content] }
        : { type: 'user', text: m.content },
  )
  turns.push({ type: 'model', response: [pair.response] })
  return turns
}

export function createRenderer(
  nlc: NodeLlamaCpp,
  model: LlamaModel,
  options: Pick<ResolvedGgufOptions, 'template' | 'maxTokens'>,
): Renderer {
  const bos = model.tokens.shouldPrependBosToken ? model.tokens.bos : null
  // resolveChatWrapper falls back to a guess from the model name (e.g. Llama2Chat for any "llama"),
  // which would invent a format the model never saw; only a template in the file counts.
  const hasTemplate = typeof model.fileInfo.metadata.tokenizer?.chat_template === 'string'
  const wrapper = options.template === 'auto' && hasTemplate ? nlc.resolveChatWrapper(model) : null

  const limit = (tokens: Token[]): Token[] => {
    if (bos != null && tokens[0] !== bos) tokens.unshift(bos)
    if (tokens.length <= options.maxTokens) return tokens
    // Keep the end: the last token's state is the feature, and it should see the whole response.
    const keepHead = bos != null ? 1 : 0
    return [...tokens.slice(0, keepHead), ...tokens.slice(tokens.length - (options.maxTokens - keepHead))]
  }

  const render = wrapper
    ? (pair: TextPair) =>
        limit(wrapper.generateContextState({ chatHistory: toChatHistory(pair) }).contextText.tokenize(model.tokenizer))
    : (pair: TextPair) => limit(model.tokenize(`${pair.prompt}\n\n${pair.response}`))
  return Object.assign(render, { mode: wrapper ? `chat-template:${wrapper.wrapperName}` : 'plain' })
}
