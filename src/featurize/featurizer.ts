/**
 * A featurizer turns (prompt, response) pairs into fixed-length float32 vectors. Every backbone
 * (hashing, onnx, hf, gguf) implements this. A vector never depends on batch size, batch order or
 * the other texts in the batch.
 */

import type { TextPair } from '../core/text-pair.ts'

export type { ChatMessage, TextPair } from '../core/text-pair.ts'

/** The JSON written to config.json under "featurizer"; `type` is the registry key. */
export interface FeaturizerSpec {
  type: string
  [option: string]: unknown
}

export interface Featurizer {
  readonly spec: FeaturizerSpec
  /** Output width d. */
  readonly dim: number
  /** Changes whenever the vectors could change: options, model file hashes, code version. */
  readonly fingerprint: string
  /** [batch.length, dim], row-major. */
  featurize(batch: TextPair[]): Promise<Float32Array>
  /** Frees native resources (sessions, models). */
  dispose?(): Promise<void>
}
