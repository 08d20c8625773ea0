/**
 * SGD with momentum, torch.optim.SGD semantics (dampening 0, no Nesterov): weight decay is L2
 * added to the gradient, and the first step seeds the momentum buffer with the gradient itself.
 *
 *     d ← g + λθ;   buf ← d (first step) or μ·buf + d;   θ ← θ - lr·buf
 *
 * @example
 *   const opt = new Sgd(0.9, 0)
 *   opt.step(params, grads, 0.01)
 */
import type { ParamSet } from '../core/tensor.ts'
import { copyBuffers, type Optimizer, type OptimizerState } from './optimizer.ts'

export class Sgd implements Optimizer {
  readonly kind = 'sgd' as const
  private t = 0
  private buf: Record<string, Float32Array> = {}

  constructor(
    readonly momentum: number,
    readonly weightDecay: number,
  ) {}

  step(params: ParamSet, grads: ParamSet, lr: number): void {
    this.t++
    const mu = this.momentum
    const wd = this.weightDecay
    for (const [name, p] of Object.entries(params)) {
      const g = grads[name].data
      const w = p.data
      if (mu === 0) {
        for (let i = 0; i < w.length; i++) w[i] -= lr * (g[i] + wd * w[i])
        continue
      }
      const first = !(name in this.buf)
      this.buf[name] ??= new Float32Array(w.length)
      const b = this.buf[name]
      for (let i = 0; i < w.length; i++) {
        const d = g[i] + wd * w[i]
        b[i] = first ? d : mu * b[i] + d
        w[i] -= lr * b[i]
      }
    }
  }

  state(): OptimizerState {
    const buffers: Record<string, Float32Array> = {}
    for (const [k, v] of Object.entries(this.buf)) buffers[`momentum_buffer/${k}`] = v
    return { step: this.t, buffers: copyBuffers(buffers) }
  }

  load(s: OptimizerState): void {
    this.t = s.step
    this.buf = {}
    for (const [k, v] of Object.entries(s.buffers)) {
      if (!k.startsWith('momentum_buffer/')) throw new Error(`SGD state has an unknown buffer "${k}"`)
      this.buf[k.slice('momentum_buffer/'.length)] = Float32Array.from(v)
    }
  }
}
