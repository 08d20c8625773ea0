/**
 * Builds an optimizer from its config (the `optimizer` training option picks the kind).
 *
 * @example
 *   const opt = createOptimizer({ kind: 'sgd', momentum: 0.9, weightDecay: 0, betas: [0.9, 0.999], eps: 1e-8 })
 */
import { AdamW } from './adamw.ts'
import type { Optimizer, OptimizerConfig } from './optimizer.ts'
import { Sgd } from './sgd.ts'

export function createOptimizer(c: OptimizerConfig): Optimizer {
  return c.kind === 'adamw' ? new AdamW(c.betas, c.eps, c.weightDecay) : new Sgd(c.momentum, c.weightDecay)
}
