/**
 * The MLP head: one or two hidden layers with GELU (exact erf form) or ReLU, inverted dropout on
 * the hidden activations during training, and a linear output layer (standardized units).
 *
 *     z_l = a_{l-1}·W_lᵀ + b_l,   a_l = m_l ⊙ act(z_l)   (hidden, m_l = keep/(1-p) or 0)
 *     out = a_{L-1}·W_Lᵀ + b_L
 *     backward: ∂W_l = G_lᵀ·a_{l-1},  ∂b_l = Σ_rows G_l,  G_{l-1} = (G_l·W_l) ⊙ m_{l-1} ⊙ act'(z_{l-1})
 *
 * @example
 *   const head = createHead({ type: 'mlp', inputDim: 768, outputs: 5, hidden: [256],
 *     activation: 'gelu', dropout: 0.1 }, new Rng(0))
 *   const { out, backward } = await head.forward(x, { train: true, rng })   // out: [n, 5]
 */
import { gemm } from '../compute/matmul.ts'
import type { Matrix } from '../compute/matrix.ts'
import type { Rng } from '../compute/rng.ts'
import { OptionError } from '../errors.ts'
import { activations } from './activations.ts'
import type { BaseHeadSpec, ForwardResult, Head, HeadKind, ParamSet } from './head.ts'
import { affine, columnSums, weightMatrix } from './linear.ts'

export interface MlpHeadSpec extends BaseHeadSpec {
  type: 'mlp'
  /** One or two hidden layer widths. */
  hidden: number[]
  activation: 'gelu' | 'relu'
  /** Dropout on hidden activations during training, in [0, 1). */
  dropout: number
}

export const mlpHead: HeadKind<MlpHeadSpec> = {
  validate(spec) {
    if (!Array.isArray(spec.hidden) || spec.hidden.length < 1 || spec.hidden.length > 2) {
      throw new OptionError('head.hidden', spec.hidden, 'one or two hidden layer widths, e.g. [256] or [512, 128]')
    }
    for (const h of spec.hidden) {
      if (!Number.isInteger(h) || h < 1) throw new OptionError('head.hidden', h, 'a positive integer')
    }
    if (spec.activation !== 'gelu' && spec.activation !== 'relu') {
      throw new OptionError('head.activation', spec.activation, "'gelu' or 'relu'")
    }
    if (!(spec.dropout >= 0 && spec.dropout < 1))
      throw new OptionError('head.dropout', spec.dropout, 'a number in [0, 1)')
  },
  paramShapes(spec) {
    const widths = [spec.inputDim, ...spec.hidden, spec.outputs]
    const shapes: Record<string, number[]> = {}
    for (let l = 0; l + 1 < widths.length; l++) {
      shapes[`layers.${l}.weight`] = [widths[l + 1], widths[l]]
      shapes[`layers.${l}.bias`] = [widths[l + 1]]
    }
    return shapes
  },
  build: (spec, params) => new MlpHead(spec, params),
  fromOptions: (o, inputDim, outputs) => ({
    type: 'mlp',
    inputDim,
    outputs,
    hidden: [...o.hidden],
    activation: o.activation,
    dropout: o.dropout,
  }),
  layers: (s) => ({ widths: [s.inputDim, ...s.hidden, s.outputs], activation: s.activation, dropout: s.dropout }),
}

export class MlpHead implements Head {
  constructor(
    readonly spec: MlpHeadSpec,
    readonly params: ParamSet,
  ) {}

  private get depth(): number {
    return this.spec.hidden.length + 1
  }

  async forward(x: Matrix, ctx: { train?: boolean; rng?: Rng } = {}): Promise<ForwardResult> {
    const act = activations[this.spec.activation]
    const p = this.spec.dropout
    const dropRng = ctx.train && p > 0 ? ctx.rng : undefined
    // Saved for backward: inputs to each layer (a), pre-activations (z) and dropout masks.
    const inputs: Matrix[] = [x]
    const pre: Matrix[] = []
    const masks: (Float32Array | undefined)[] = []
    let a = x
    for (let l = 0; l < this.depth; l++) {
      const z = await affine(a, weightMatrix(this.params[`layers.${l}.weight`]), this.params[`layers.${l}.bias`].data)
      if (l === this.depth - 1) {
        a = z
        break
      }
      pre.push(z)
      const h = new Float32Array(z.data.length)
      for (let i = 0; i < h.length; i++) h[i] = act.f(z.data[i])
      let mask: Float32Array | undefined
      if (dropRng) {
        // Inverted dropout: kept units are scaled by 1/(1-p) so inference needs no rescaling.
        mask = new Float32Array(h.length)
        const scale = 1 / (1 - p)
        for (let i = 0; i < h.length; i++) {
          mask[i] = dropRng.float() < p ? 0 : scale
          h[i] *= mask[i]
        }
      }
      masks.push(mask)
      a = { rows: z.rows, cols: z.cols, data: h }
      inputs.push(a)
    }
    const out = a
    return {
      out,
      backward: async (gradOut: Matrix): Promise<ParamSet> => {
        const grads: ParamSet = {}
        let g = gradOut
        for (let l = this.depth - 1; l >= 0; l--) {
          const dW = await gemm(g, inputs[l], { transA: true }) // [out_l, in_l]
          grads[`layers.${l}.weight`] = { shape: [dW.rows, dW.cols], data: dW.data }
          grads[`layers.${l}.bias`] = { shape: [g.cols], data: columnSums(g) }
          if (l === 0) break // the features need no gradient
          const dA = await gemm(g, weightMatrix(this.params[`layers.${l}.weight`])) // [n, in_l]
          const z = pre[l - 1].data
          const m = masks[l - 1]
          const d = dA.data
          for (let i = 0; i < d.length; i++) d[i] *= (m ? m[i] : 1) * act.grad(z[i])
          g = dA
        }
        return grads
      },
    }
  }

  /** Inference (no dropout): each row's output depends on that row alone (see gemmRowInvariant). */
  async predict(x: Matrix): Promise<Matrix> {
    const act = activations[this.spec.activation]
    let a = x
    for (let l = 0; l < this.depth; l++) {
      const w = weightMatrix(this.params[`layers.${l}.weight`])
      const z = await affine(a, w, this.params[`layers.${l}.bias`].data, true)
      if (l < this.depth - 1) for (let i = 0; i < z.data.length; i++) z.data[i] = act.f(z.data[i])
      a = z
    }
    return a
  }
}
