/**
 * The linear head: out = X·Wᵀ + b, one output per attribute (standardized units).
 *
 *     forward   out[n, k] = X[n, d] · W[k, d]ᵀ + b[k]
 *     backward  ∂W = Gᵀ·X  [k, d],   ∂b = Σ_rows G  [k]      (G = ∂L/∂out)
 *
 * @example
 *   const head = createHead({ type: 'linear', inputDim: 768, outputs: 5 }, new Rng(0))
 *   const { out, backward } = await head.forward(x)      // out: [n, 5]
 *   const grads = await backward(gradOut)                 // { 'linear.weight': [5, 768], 'linear.bias': [5] }
 */
import { gemm, gemmRowInvariant } from '../compute/matmul.ts'
import type { Matrix } from '../compute/matrix.ts'
import type { BaseHeadSpec, ForwardResult, Head, HeadKind, ParamSet } from './head.ts'

export interface LinearHeadSpec extends BaseHeadSpec {
  type: 'linear'
}

export const linearHead: HeadKind<LinearHeadSpec> = {
  validate() {},
  paramShapes: (s) => ({ 'linear.weight': [s.outputs, s.inputDim], 'linear.bias': [s.outputs] }),
  build: (s, params) => new LinearHead(s, params),
  fromOptions: (_, inputDim, outputs) => ({ type: 'linear', inputDim, outputs }),
  layers: (s) => ({ widths: [s.inputDim, s.outputs], activation: 'relu', dropout: 0 }),
}

export class LinearHead implements Head {
  constructor(
    readonly spec: LinearHeadSpec,
    readonly params: ParamSet,
  ) {}

  async forward(x: Matrix): Promise<ForwardResult> {
    const out = await affine(x, weightMatrix(this.params['linear.weight']), this.params['linear.bias'].data)
    return {
      out,
      backward: async (g: Matrix): Promise<ParamSet> => {
        const dW = await gemm(g, x, { transA: true }) // [k, d]
        return {
          'linear.weight': { shape: [dW.rows, dW.cols], data: dW.data },
          'linear.bias': { shape: [g.cols], data: columnSums(g) },
        }
      },
    }
  }

  /** Inference: each row's output depends on that row alone (see gemmRowInvariant). */
  async predict(x: Matrix): Promise<Matrix> {
    return affine(x, weightMatrix(this.params['linear.weight']), this.params['linear.bias'].data, true)
  }
}

export const weightMatrix = (t: { shape: number[]; data: Float32Array }): Matrix => ({
  rows: t.shape[0],
  cols: t.shape[1],
  data: t.data,
})

/** X·Wᵀ + b, with W stored [out, in]; `rowInvariant` for inference (see gemmRowInvariant). */
export async function affine(x: Matrix, w: Matrix, b: Float32Array, rowInvariant = false): Promise<Matrix> {
  const out = await (rowInvariant ? gemmRowInvariant : gemm)(x, w, { transB: true }) // [n, out]
  const o = out.data
  const k = out.cols
  for (let i = 0; i < out.rows; i++) {
    const row = i * k
    for (let j = 0; j < k; j++) o[row + j] += b[j]
  }
  return out
}

/** Σ over rows of G, accumulated in float64: [n, k] → [k]. */
export function columnSums(g: Matrix): Float32Array {
  const acc = new Float64Array(g.cols)
  const d = g.data
  for (let i = 0; i < g.rows; i++) {
    const row = i * g.cols
    for (let j = 0; j < g.cols; j++) acc[j] += d[row + j]
  }
  return Float32Array.from(acc)
}
