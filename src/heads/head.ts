/**
 * The reward head: maps a feature row to k outputs, one per rating attribute, in *standardized*
 * target units (the model maps them back to the rating scale). Heads have exact hand-written
 * backprop; every parameter gradient is checked against finite differences in the tests.
 */
import type { Matrix } from '../compute/matrix.ts'
import type { Rng } from '../compute/rng.ts'
import type { ParamSet } from '../core/tensor.ts'

export type { ParamSet, Tensor } from '../core/tensor.ts'

/** The fields every head spec has; each head type adds its own (in its file). */
export interface BaseHeadSpec {
  /** The registry key. */
  type: string
  inputDim: number
  outputs: number
}

/** Training options a head type may read to build its spec. */
export interface HeadOptions {
  hidden: number[]
  activation: 'gelu' | 'relu'
  dropout: number
}

/** A head as the fused epoch runs it: affine layers [d, ...hidden, k], one activation, dropout between. */
export interface AffineLayers {
  widths: number[]
  activation: 'gelu' | 'relu'
  dropout: number
}

/** A head type: its file exports one of these, and src/heads/registry.ts lists it. */
export interface HeadKind<S extends BaseHeadSpec> {
  /** Checks the spec's own fields (inputDim and outputs are checked by the registry); OptionError naming the field. */
  validate(spec: S): void
  /** Parameter names and shapes, PyTorch layout, in init order. */
  paramShapes(spec: S): Record<string, number[]>
  build(spec: S, params: ParamSet): Head
  fromOptions(o: HeadOptions, inputDim: number, outputs: number): S
  /** How the fused epoch runs it; null if it is not a stack of affine layers. */
  layers(spec: S): AffineLayers | null
}

export interface ForwardResult {
  /** [n, outputs] */
  out: Matrix
  /** Given ∂L/∂out ([n, outputs]), returns ∂L/∂param for every parameter (same names and shapes). */
  backward(gradOut: Matrix): Promise<ParamSet>
}

export interface Head {
  readonly spec: BaseHeadSpec
  /** Learned state; mutated in place by optimizers. */
  readonly params: ParamSet
  /** Training forward pass (dropout active when `train` and an rng is given). */
  forward(x: Matrix, ctx?: { train?: boolean; rng?: Rng }): Promise<ForwardResult>
  /** Inference: [n, inputDim] → [n, outputs]. */
  predict(x: Matrix): Promise<Matrix>
}
