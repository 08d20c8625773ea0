/**
 * A gating network (ArmoRM's second stage): a small MLP maps the prompt's feature vector to softmax
 * weights over the attributes, so each prompt weighs the attributes its own way.
 *
 *   z = W0·x + b0  [h],   a = relu(z),   θ = W2·a + b2  [k],   w = softmax(θ)
 *
 * x is the backbone's vector of (prompt, ""), without side features (see merge.ts). Tensors use PyTorch's
 * nn.Sequential(Linear, ReLU, Linear) names: merge.gate.0.weight [h, d], merge.gate.0.bias [h],
 * merge.gate.2.weight [k, h], merge.gate.2.bias [k]. Softmax, as for learned-global, keeps the
 * reward a weighted mean of the attribute scores.
 */
import type { Matrix } from '../../compute/matrix.ts'
import type { Rng } from '../../compute/rng.ts'
import { ModelFolderError } from '../../errors.ts'
import type { ParamSet } from '../../heads/head.ts'
import { type Merge, softmaxBackward, softmaxInto } from './merge.ts'

const W0 = 'merge.gate.0.weight'
const B0 = 'merge.gate.0.bias'
const W2 = 'merge.gate.2.weight'
const B2 = 'merge.gate.2.bias'

export function gatingShapes(k: number, inputDim: number, hidden: number): Record<string, number[]> {
  return { [W0]: [hidden, inputDim], [B0]: [hidden], [W2]: [k, hidden], [B2]: [k] }
}

/**
 * Fresh gating parameters: W0 ~ U(±1/√d) (PyTorch's Linear init) from `rng`, and W2 = 0 with
 * b2 = `logits`, so the untrained gate gives softmax(logits) for every prompt — the fit starts
 * from the global merge and only moves away where the pairs ask for it.
 */
export function initGatingParams(inputDim: number, hidden: number, logits: Float32Array, rng: Rng): ParamSet {
  const k = logits.length
  const bound = 1 / Math.sqrt(inputDim)
  const w0 = new Float32Array(hidden * inputDim)
  for (let i = 0; i < w0.length; i++) w0[i] = (2 * rng.float() - 1) * bound
  const b0 = new Float32Array(hidden)
  for (let i = 0; i < hidden; i++) b0[i] = (2 * rng.float() - 1) * bound
  return {
    [W0]: { shape: [hidden, inputDim], data: w0 },
    [B0]: { shape: [hidden], data: b0 },
    [W2]: { shape: [k, hidden], data: new Float32Array(k * hidden) },
    [B2]: { shape: [k], data: Float32Array.from(logits) },
  }
}

export function gatingMerge(params: ParamSet): Merge {
  for (const name of [W0, B0, W2, B2]) {
    if (!params[name]) throw new ModelFolderError('.', `head.safetensors: the gating merge needs tensor "${name}"`)
  }
  const [hidden, inputDim] = params[W0].shape
  const k = params[B2].shape[0]

  // Hidden pre-activations [n, h] and weights [n, k] for the rows of x.
  const forward = (x: Matrix): { z: Float64Array; w: Float64Array } => {
    if (x.cols !== inputDim) {
      throw new RangeError(`gating merge: prompt vectors have ${x.cols} features, the gate expects ${inputDim}`)
    }
    const w0 = params[W0].data
    const b0 = params[B0].data
    const w2 = params[W2].data
    const b2 = params[B2].data
    const z = new Float64Array(x.rows * hidden)
    const w = new Float64Array(x.rows * k)
    const theta = new Float64Array(k)
    for (let i = 0; i < x.rows; i++) {
      const xi = i * inputDim
      for (let j = 0; j < hidden; j++) {
        let s = b0[j]
        const wj = j * inputDim
        for (let c = 0; c < inputDim; c++) s += w0[wj + c] * x.data[xi + c]
        z[i * hidden + j] = s
      }
      for (let a = 0; a < k; a++) {
        let s = b2[a]
        for (let j = 0; j < hidden; j++) s += w2[a * hidden + j] * Math.max(0, z[i * hidden + j])
        theta[a] = s
      }
      softmaxInto(theta, w, i * k, k)
    }
    return { z, w }
  }

  const needPrompts = (prompts: Matrix | null): Matrix => {
    if (!prompts) throw new RangeError('gating merge: the prompts’ feature vectors are needed to weigh the attributes')
    return prompts
  }

  return {
    get spec() {
      return { type: 'gating', inputDim, hidden, activation: 'relu', promptFeatures: 'backbone(prompt, "")' }
    },
    params,
    readsPrompt: true,
    weights(prompts) {
      return forward(needPrompts(prompts)).w
    },
    backward(prompts, g) {
      const x = needPrompts(prompts)
      const { z, w } = forward(x)
      const w2 = params[W2].data
      const gw0 = new Float64Array(hidden * inputDim)
      const gb0 = new Float64Array(hidden)
      const gw2 = new Float64Array(k * hidden)
      const gb2 = new Float64Array(k)
      const gTheta = new Float64Array(k)
      const gz = new Float64Array(hidden)
      for (let i = 0; i < x.rows; i++) {
        softmaxBackward(w, g, i * k, k, gTheta)
        gz.fill(0)
        for (let a = 0; a < k; a++) {
          const gt = gTheta[a]
          gb2[a] += gt
          for (let j = 0; j < hidden; j++) {
            const zj = z[i * hidden + j]
            if (zj > 0) {
              gw2[a * hidden + j] += gt * zj
              gz[j] += gt * w2[a * hidden + j]
            }
          }
        }
        const xi = i * inputDim
        for (let j = 0; j < hidden; j++) {
          const gj = gz[j]
          if (gj === 0) continue
          gb0[j] += gj
          const wj = j * inputDim
          for (let c = 0; c < inputDim; c++) gw0[wj + c] += gj * x.data[xi + c]
        }
      }
      return {
        [W0]: { shape: [hidden, inputDim], data: Float32Array.from(gw0) },
        [B0]: { shape: [hidden], data: Float32Array.from(gb0) },
        [W2]: { shape: [k, hidden], data: Float32Array.from(gw2) },
        [B2]: { shape: [k], data: Float32Array.from(gb2) },
      }
    },
  }
}
