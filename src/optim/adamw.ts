/**
 * AdamW (Loshchilov & Hutter) with torch.optim.AdamW semantics: decoupled weight decay applied
 * before the moment update, bias-corrected moments, eps added after the bias-corrected √v.
 *
 *     θ ← θ·(1 - lr·λ)
 *     m ← β₁m + (1-β₁)g,   v ← β₂v + (1-β₂)g²
 *     θ ← θ - (lr / (1-β₁ᵗ)) · m / (√v / √(1-β₂ᵗ) + ε)
 *
 * @example
 *   const opt = new AdamW([0.9, 0.999], 1e-8, 0.01)
 *   opt.step(params, grads, 1e-3)
 */
import type { ParamSet } from '../core/tensor.ts'
import { copyBuffers, type Optimizer, type OptimizerState } from './optimizer.ts'

export class AdamW implements Optimizer {
  readonly kind = 'adamw' as const
  private t = 0
  private m: Record<string, Float32Array> = {}
  private v: Record<string, Float32Array> = {}

  constructor(
    readonly betas: [number, number],
    readonly eps: number,
    readonly weightDecay: number,
  ) {}

  step(params: ParamSet, grads: ParamSet, lr: number): void {
    this.t++
    const [b1, b2] = this.betas
    const stepSize = lr / (1 - b1 ** this.t)
    const bc2Sqrt = Math.sqrt(1 - b2 ** this.t)
    const decay = 1 - lr * this.weightDecay
    for (const [name, p] of Object.entries(params)) {
      const g = grads[name].data
      const w = p.data
      this.m[name] ??= new Float32Array(w.length)
      this.v[name] ??= new Float32Array(w.length)
      const m = this.m[name]
      const v = this.v[name]
      for (let i = 0; i < w.length; i++) {
        const gi = g[i]
        const mi = b1 * m[i] + (1 - b1) * gi
        const vi = b2 * v[i] + (1 - b2) * gi * gi
        m[i] = mi
        v[i] = vi
        w[i] = w[i] * decay - (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + this.eps)
      }
    }
  }

  state(): OptimizerState {
    const buffers: Record<string, Float32Array> = {}
    for (const k of Object.keys(this.m)) {
      buffers[`exp_avg/${k}`] = this.m[k]
      buffers[`exp_avg_sq/${k}`] = this.v[k]
    }
    return { step: this.t, buffers: copyBuffers(buffers) }
  }

  load(s: OptimizerState): void {
    this.t = s.step
    this.m = {}
    this.v = {}
    for (const [k, buf] of Object.entries(s.buffers)) {
      const [kind, name] = [k.slice(0, k.indexOf('/')), k.slice(k.indexOf('/') + 1)]
      if (kind === 'exp_avg') this.m[name] = Float32Array.from(buf)
      else if (kind === 'exp_avg_sq') this.v[name] = Float32Array.from(buf)
      else throw new Error(`AdamW state has an unknown buffer "${k}"`)
    }
  }
}
