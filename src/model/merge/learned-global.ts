/**
 * Global weights learned from pairs: w = softmax(θ), one θ_a per attribute, the same for every
 * prompt. Softmax rather than free weights because the Bradley-Terry likelihood grows without bound
 * with the reward's scale on separable pairs: free weights drift to large norms, while weights on
 * the simplex keep the reward a weighted mean of the attribute scores, on the rating scale like the
 * default 1/k merge. The price: no negative weights (an attribute can only be weighed down to ~0).
 *
 *   tensor merge.logits [k]
 */
import type { ParamSet } from '../../heads/head.ts'
import { type Merge, softmaxBackward, softmaxInto } from './merge.ts'

export const GLOBAL_LOGITS = 'merge.logits'

export function globalMergeShapes(k: number): Record<string, number[]> {
  return { [GLOBAL_LOGITS]: [k] }
}

/** A learned-global merge over `params` (θ is read at every call, so a fitter may update it in place). */
export function learnedGlobalMerge(params: ParamSet): Merge {
  const theta = params[GLOBAL_LOGITS].data
  const k = theta.length
  const current = (): Float64Array => {
    const w = new Float64Array(k)
    softmaxInto(theta, w)
    return w
  }
  return {
    get spec() {
      return { type: 'learned-global', weights: Array.from(current()) }
    },
    params,
    readsPrompt: false,
    weights(_prompts, rows) {
      const w1 = current()
      const w = new Float64Array(rows * k)
      for (let i = 0; i < rows; i++) w.set(w1, i * k)
      return w
    },
    backward(_prompts, g) {
      const w1 = current()
      const rows = g.length / k
      const grad = new Float64Array(k)
      const w = new Float64Array(rows * k)
      for (let i = 0; i < rows; i++) w.set(w1, i * k)
      const row = new Float64Array(k)
      for (let i = 0; i < rows; i++) {
        softmaxBackward(w, g, i * k, k, row)
        for (let a = 0; a < k; a++) grad[a] += row[a]
      }
      return { [GLOBAL_LOGITS]: { shape: [k], data: Float32Array.from(grad) } }
    },
  }
}

/** θ that starts the fit at `weights` when they are all positive (normalized to sum 1), else at 1/k. */
export function initialLogits(weights: readonly number[]): Float32Array {
  const positive = weights.every((w) => w > 0)
  const sum = weights.reduce((s, w) => s + w, 0)
  return Float32Array.from(weights, (w) => (positive ? Math.log(w / sum) : 0))
}
