/**
 * The reward head: maps a feature row to k outputs, one per rating attribute, in *standardized*
 * target units (the model maps them back to the rating scale). Heads have exact hand-written
 * backprop; every parameter gradient is checked against finite differences in the tests.
 */
import type { Matrix } from '../compute/matrix.ts'
import type { Rng } from '../compute/rng.ts'
import type { ParamSet } from '../core/tensor.ts'

export type { ParamSet, Tensor } from '../core/tensor.ts'

export interface LinearHeadSpec {
  type: 'linear'
  inputDim: number
  outputs: number
}
export interface MlpHeadSpec {
  type: 'mlp'
  inputDim: number
  outputs: number
  /** One or two hidden layer widths. */
  hidden: number[]
  activation: 'gelu' | 'relu'
  /** Dropout on hidden activations during training, in [0, 1). */
  dropout: number
}
export type HeadSpec = LinearHeadSpec | MlpHeadSpec
export type HeadType = HeadSpec['type']

export interface ForwardResult {
  /** [n, outputs] */
  out: Matrix
  /** Given ∂L/∂out ([n, outputs]), returns ∂L/∂param for every parameter (same names and shapes). */
  backward(gradOut: Matrix): Promise<ParamSet>
}

export interface Head {
  readonly spec: HeadSpec
  /** Learned state; mutated in place by optimizers. */
  readonly params: ParamSet
  /** Training forward pass (dropout active when `train` and an rng is given). */
  forward(x: Matrix, ctx?: { train?: boolean; rng?: Rng }): Promise<ForwardResult>
  /** Inference: [n, inputDim] → [n, outputs]. */
  predict(x: Matrix): Promise<Matrix>
}
