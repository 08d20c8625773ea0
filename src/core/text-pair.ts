/** The texts a reward is computed from: a prompt x, a response y, and the chat turns of x if any. */

export interface ChatMessage {
  role: string
  content: string
}

/** One (x, y) pair. `messages` keeps the chat turns of x for chat templates when the source had them. */
export interface TextPair {
  prompt: string
  response: string
  messages?: ChatMessage[]
  /** Numeric side features, raw, in the model's feature column order (models trained with --features). */
  features?: ArrayLike<number>
}
