/**
 * What the training loop needs from an optimizer. Optimizers *minimize*, as torch's do: the loop
 * hands them ∂(-L_rating)/∂θ, so descending on -L_rating ascends L_rating.
 *
 * @example
 *   const opt = createOptimizer({ kind: 'adamw', weightDecay: 0.01, betas: [0.9, 0.999], eps: 1e-8, momentum: 0 })
 *   opt.step(head.params, grads, 1e-3)   // params updated in place
 */
import type { ParamSet } from '../core/tensor.ts'

/** Everything needed to continue exactly where an optimizer stopped (checkpoints). */
export interface OptimizerState {
  /** Steps taken so far (torch's `state['step']`). */
  step: number
  /** Per-parameter buffers, keyed '<buffer>/<param name>' (e.g. 'exp_avg/linear.weight'). */
  buffers: Record<string, Float32Array>
}

export interface Optimizer {
  readonly kind: OptimizerKind
  /** One update in place: params ← params - lr·direction(grads). */
  step(params: ParamSet, grads: ParamSet, lr: number): void
  state(): OptimizerState
  /** Restores a state from `state()`; throws if buffers are missing or mis-sized. */
  load(state: OptimizerState): void
}

export type OptimizerKind = 'adamw' | 'sgd'

export interface OptimizerConfig {
  kind: OptimizerKind
  /** AdamW: decoupled (θ ← θ·(1 - lr·wd)); SGD: L2 added to the gradient, as torch. */
  weightDecay: number
  /** AdamW only. */
  betas: [number, number]
  eps: number
  /** SGD only; 0 = plain SGD. */
  momentum: number
}

/** A deep copy of buffers, so a saved state does not change with later steps. */
export const copyBuffers = (b: Record<string, Float32Array>): Record<string, Float32Array> =>
  Object.fromEntries(Object.entries(b).map(([k, v]) => [k, Float32Array.from(v)]))
