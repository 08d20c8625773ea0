/**
 * Which unlabelled rows to send to raters next (active learning), from a model's predictive std.
 *
 * - 'variance': the `budget` rows with the largest std of the merged reward.
 * - 'greedy': batch-aware. Pick the row with the largest reward std, add it to the posterior
 *   as if it were labelled (an exact rank-one update: its label is not needed, only where it is),
 *   recompute every std, pick again. A row that duplicates an earlier pick no longer looks
 *   uncertain, so a batch does not fill up with near-duplicates. Ridge below; an ensemble's
 *   members act as posterior samples (greedy-ensemble.ts).
 * - 'random': a seeded uniform sample, the baseline.
 *
 * The rank-one update: in units of σₐ², hₐ(i, j) = 1/nₐ + zᵢᵀ(Cₐ + αₐI)⁻¹zⱼ is the posterior
 * covariance of the predictions at rows i and j (intercept included, see ridge-uncertainty.ts).
 * Observing row * changes it to h(i, j) − h(i, *)·h(*, j) / (1 + h(*, *)) (Sherman-Morrison on the
 * posterior precision), kept as a sum of the picks' columns: O(budget·N·(d + width)) in all.
 *
 * @example
 *   const picks = await selectRows(model.uncertainty, weights, x, { budget: 100, strategy: 'greedy' })
 *   picks[0]   // { row: 812, order: 0, std: 1.41, stdBefore: 1.41 }
 */
import type { Matrix } from '../compute/matrix.ts'
import { Rng } from '../compute/rng.ts'
import { OptionError } from '../errors.ts'
import { EnsembleUncertainty } from './ensemble-uncertainty.ts'
import { greedyEnsemble } from './greedy-ensemble.ts'
import type { Pick } from './pick.ts'
import { RidgeUncertainty } from './ridge-uncertainty.ts'
import type { Uncertainty } from './uncertainty.ts'

export type SelectStrategy = 'variance' | 'greedy' | 'random'
export const SELECT_STRATEGIES: readonly SelectStrategy[] = ['variance', 'greedy', 'random']

export interface SelectOptions {
  /** Rows to pick. Range [1, ∞); more than there are rows picks all. */
  budget: number
  /** 'greedy' (ridge or ensemble), 'variance' or 'random'. */
  strategy?: SelectStrategy
  /** Seed of 'random'. */
  seed?: number
}

export type { Pick }

export async function selectRows(
  uncertainty: Uncertainty | null,
  weights: number[],
  x: Matrix,
  options: SelectOptions,
): Promise<Pick[]> {
  const { budget, strategy = 'greedy', seed = 0 } = options
  if (!(Number.isSafeInteger(budget) && budget >= 1)) throw new OptionError('budget', budget, 'a positive integer')
  if (!SELECT_STRATEGIES.includes(strategy)) {
    throw new OptionError('strategy', strategy, SELECT_STRATEGIES.map((s) => `'${s}'`).join(', '))
  }
  const n = x.rows
  const take = Math.min(budget, n)
  if (strategy !== 'random' && !uncertainty) {
    throw new OptionError(
      'strategy',
      strategy,
      "'random': this model has no uncertainty (an older folder); retrain it with the ridge head for 'variance' or 'greedy'",
    )
  }
  const before = uncertainty ? (await uncertainty.predict(x, weights)).rewardStd : new Float64Array(n)
  if (strategy === 'random') {
    const order = new Rng(seed).permutation(n)
    return Array.from({ length: take }, (_, t) => ({
      row: order[t],
      order: t,
      std: before[order[t]],
      stdBefore: before[order[t]],
    }))
  }
  if (strategy === 'variance') {
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => before[b] - before[a] || a - b)
    return order.slice(0, take).map((row, t) => ({ row, order: t, std: before[row], stdBefore: before[row] }))
  }
  if (uncertainty instanceof EnsembleUncertainty) return greedyEnsemble(uncertainty, weights, x, take, before)
  if (!(uncertainty instanceof RidgeUncertainty)) {
    throw new OptionError('strategy', strategy, "'variance': 'greedy' needs a ridge or ensemble posterior")
  }
  return greedy(uncertainty, weights, x, take, before)
}

async function greedy(u: RidgeUncertainty, weights: number[], x: Matrix, take: number, before: Float64Array) {
  const n = x.rows
  const d = x.cols
  const k = u.attributes
  const proj = await u.project(x)
  const quad = Array.from({ length: k }, (_, a) => u.quadratic(a))
  const { correlation } = u.spec
  const sigma = u.spec.attributes.map((a) => a.sigma)
  // Current diagonal h_a(i, i) and the picks' columns g_{a,t}(i) (h = h0 − Σ_t g_t·g_tᵀ).
  const h = await u.leverage(x)
  const cols: Float64Array[][] = Array.from({ length: k }, () => [])
  const taken = new Uint8Array(n)
  // x_i·x̄_g per pattern, for z_i·z_* = x_i·x_* − x_i·x̄ − x_*·x̄ + x̄·x̄.
  const groups = u.spec.groups.length
  const means = Array.from({ length: groups }, (_, g) => u.groupMean(g))
  const xMean = means.map((m) => {
    const out = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      let s = 0
      for (let j = 0; j < d; j++) s += x.data[i * d + j] * m[j]
      out[i] = s
    }
    return out
  })
  const meanNorm = means.map((m) => m.reduce((s, v) => s + v * v, 0))
  const rewardStd = (i: number) => {
    let v = 0
    for (let a = 0; a < k; a++) {
      const sa = weights[a] * sigma[a] * Math.sqrt(1 + h[i * k + a])
      if (sa === 0) continue
      for (let b = 0; b < k; b++) v += sa * weights[b] * sigma[b] * Math.sqrt(1 + h[i * k + b]) * correlation[a][b]
    }
    return Math.sqrt(Math.max(0, v))
  }
  const picks: Pick[] = []
  const dots = new Float64Array(n)
  for (let t = 0; t < take; t++) {
    let best = -1
    let bestStd = Number.NEGATIVE_INFINITY
    for (let i = 0; i < n; i++) {
      if (taken[i]) continue
      const s = rewardStd(i)
      if (s > bestStd) {
        bestStd = s
        best = i
      }
    }
    picks.push({ row: best, order: t, std: bestStd, stdBefore: before[best] })
    taken[best] = 1
    if (t === take - 1) break
    // x_i·x_* for every row (shared by the patterns).
    const row = best * d
    for (let i = 0; i < n; i++) {
      let s = 0
      const ri = i * d
      for (let j = 0; j < d; j++) s += x.data[ri + j] * x.data[row + j]
      dots[i] = s
    }
    for (let a = 0; a < k; a++) {
      const { iso, group, rows, apply } = quad[a]
      const { p } = proj[group]
      const w = p.length / n
      const xm = xMean[group]
      // The pick's side of the form once: h(i, *) = 1/n + iso·zᵢ·z* + pᵢ·ub.
      const ub = apply(p.slice(best * w, best * w + w), 1)
      const col = new Float64Array(n)
      for (let i = 0; i < n; i++) {
        let q = 1 / rows + iso * (dots[i] - xm[i] - xm[best] + meanNorm[group])
        for (let j = 0; j < w; j++) q += p[i * w + j] * ub[j]
        for (const g of cols[a]) q -= g[i] * g[best]
        col[i] = q
      }
      const scale = 1 / Math.sqrt(1 + col[best])
      for (let i = 0; i < n; i++) {
        col[i] *= scale
        h[i * k + a] = Math.max(0, h[i * k + a] - col[i] * col[i])
      }
      cols[a].push(col)
    }
  }
  return picks
}
