/**
 * The fixed merge: reward = Σ_a w_a · score_a with config.json's attributeWeights (by default 1/k
 * each, or the user's --weights). Every folder without a "merge" field uses it.
 */
import type { Merge } from './merge.ts'

export function fixedMerge(attributeWeights: readonly number[]): Merge {
  const k = attributeWeights.length
  return {
    spec: { type: 'fixed' },
    params: {},
    readsPrompt: false,
    weights(_prompts, rows) {
      const w = new Float64Array(rows * k)
      for (let i = 0; i < rows; i++) for (let a = 0; a < k; a++) w[i * k + a] = attributeWeights[a]
      return w
    },
  }
}
