/**
 * Global-norm gradient clipping, as torch.nn.utils.clip_grad_norm_: if ‖g‖₂ over all parameters
 * exceeds maxNorm, every gradient is scaled by maxNorm / (‖g‖₂ + 1e-6).
 *
 * @example
 *   const norm = clipGradNorm(grads, 1.0)   // the norm before clipping
 */
import type { ParamSet } from '../core/tensor.ts'

export function clipGradNorm(grads: ParamSet, maxNorm: number): number {
  let sq = 0
  for (const g of Object.values(grads)) for (const v of g.data) sq += v * v
  const norm = Math.sqrt(sq)
  const coef = maxNorm / (norm + 1e-6)
  if (maxNorm > 0 && coef < 1) {
    for (const g of Object.values(grads)) {
      const d = g.data
      for (let i = 0; i < d.length; i++) d[i] *= coef
    }
  }
  return norm
}
