/**
 * A merge turns the k attribute scores of a row into its reward: reward_i = Σ_a w_ia · score_ia.
 * The weights may be the same for every row (fixed, learned-global) or depend on the prompt
 * (gating, ArmoRM's second stage). Each merge type is one file plus one line in registry.ts.
 *
 * A merge that reads the prompt gets the featurizer's vector of (prompt, "") — the same backbone as
 * the attribute heads, with an empty response — so it works for every backbone and the gate sees
 * the prompt only, never the response it is weighing. Side features (--features) are not part of
 * it: they describe a (prompt, response) pair, and the gate's input is the backbone's vector alone.
 *
 * @example
 *   const m = createMerge(config, {})          // an older folder (no "merge" field): the fixed merge
 *   m.weights(null, 2)                         // Float64Array [2·k]: attributeWeights twice
 */
import type { Matrix } from '../../compute/matrix.ts'
import type { ParamSet } from '../../heads/head.ts'

/** The JSON written to config.json under "merge"; `type` is the registry key. */
export interface MergeSpec {
  type: string
  [key: string]: unknown
}

export interface Merge {
  /** What config.json records (learned tensors go to head.safetensors as `merge.*`). */
  readonly spec: MergeSpec
  /** Learned tensors, named `merge.*`; mutated in place by the fitter. Empty when nothing is learned. */
  readonly params: ParamSet
  /** True when weights() needs the prompts' feature vectors. */
  readonly readsPrompt: boolean
  /**
   * [n, k] weights, row-major. `prompts` is [n, d], the backbone's vector of (prompt_i, "");
   * null is allowed only when readsPrompt is false.
   */
  weights(prompts: Matrix | null, rows: number): Float64Array
  /** ∂L/∂θ for every tensor in params, given ∂L/∂w ([n, k]) at the same prompts. Learned merges only. */
  backward?(prompts: Matrix | null, gradWeights: Float64Array): ParamSet
}

/** Σ_a w_ia · s_ia per row; w and s are [n, k]. */
export function mergeRewards(weights: Float64Array, scores: Float64Array, k: number): Float64Array {
  const n = scores.length / k
  const rewards = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    let r = 0
    for (let a = 0; a < k; a++) r += weights[i * k + a] * scores[i * k + a]
    rewards[i] = r
  }
  return rewards
}

/** Softmax of `logits` (length k) into out[offset..offset+k), stable for large logits. */
export function softmaxInto(logits: ArrayLike<number>, out: Float64Array, offset = 0, k = logits.length): void {
  let max = -Infinity
  for (let a = 0; a < k; a++) max = Math.max(max, logits[a])
  let sum = 0
  for (let a = 0; a < k; a++) {
    const e = Math.exp(logits[a] - max)
    out[offset + a] = e
    sum += e
  }
  for (let a = 0; a < k; a++) out[offset + a] /= sum
}

/** ∂L/∂logits of a softmax row: w ⊙ (g - Σ_j w_j g_j). */
export function softmaxBackward(w: Float64Array, g: Float64Array, offset: number, k: number, out: Float64Array): void {
  let dot = 0
  for (let a = 0; a < k; a++) dot += w[offset + a] * g[offset + a]
  for (let a = 0; a < k; a++) out[a] = w[offset + a] * (g[offset + a] - dot)
}
