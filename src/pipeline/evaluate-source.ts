/**
 * Metrics of a trained head on stored features (a validation or test split): predictions mapped
 * back to the rating scale, then ratingMetrics per attribute and for the merged reward against the
 * weighted target Σ w_a s_a (rows with every weighted attribute labelled, as in eval: rewardTarget).
 *
 * @example
 *   const m = await evaluateSource(model, testStore)
 *   m.attributes.relevance.pearson   // 0.91
 *   m.reward.l_rating                // -0.12  (≤ 0, higher is better)
 */

import type { Matrix } from '../compute/matrix.ts'
import type { BatchSource } from '../core/batch-source.ts'
import { type IntervalMetrics, intervalMetrics } from '../eval/interval-metrics.ts'
import { type RatingMetrics, ratingMetrics } from '../eval/metrics.ts'
import { rewardTarget } from '../eval/predict-ratings.ts'
import type { RewardModel } from '../model/reward-model.ts'

export interface SplitMetrics {
  attributes: Record<string, RatingMetrics>
  reward: RatingMetrics
  /** Predictive-interval coverage per attribute and for 'reward', when the model has uncertainty. */
  intervals?: Record<string, IntervalMetrics>
}

/**
 * The prompt vectors of stored rows [rowStart, rowStart + rows) (RewardModel.promptFeatures of their
 * texts), for a merge that reads the prompt; stored features carry none.
 */
export type PromptRows = (rowStart: number, rows: number) => Promise<Matrix | null>

export async function evaluateSource(
  model: RewardModel,
  source: BatchSource,
  chunkRows = 4096,
  prompts: PromptRows | null = null,
): Promise<SplitMetrics> {
  const names = model.attributes
  const k = names.length
  const w = model.config.attributeWeights
  const targets = new Float64Array(source.rows * k)
  const preds = new Float64Array(source.rows * k)
  const rewardTargets: number[] = []
  const rewardPreds: number[] = []
  const withStd = model.hasUncertainty
  const stds = new Float64Array(withStd ? source.rows * k : 0)
  const rewardStds: number[] = []
  for await (const { x, y, start } of source.chunks(chunkRows)) {
    const s = await model.scoreFeatures(x, prompts ? await prompts(start, x.rows) : null)
    preds.set(s.scores, start * k)
    targets.set(y, start * k)
    if (s.scoresStd) stds.set(s.scoresStd, start * k)
    for (let i = 0; i < x.rows; i++) {
      // The same rule as `rewardfit eval`: rows where every attribute with a nonzero weight is labelled.
      const t = rewardTarget(y.subarray(i * k, (i + 1) * k), w)
      if (!Number.isNaN(t)) {
        rewardTargets.push(t)
        rewardPreds.push(s.rewards[i])
        if (s.std) rewardStds.push(s.std[i])
      }
    }
  }
  // Keys are user-named attributes: a null prototype keeps "__proto__" an ordinary key.
  const attributes: Record<string, RatingMetrics> = Object.create(null)
  const intervals: Record<string, IntervalMetrics> = Object.create(null)
  names.forEach((name, a) => {
    const t = new Float64Array(source.rows)
    const p = new Float64Array(source.rows)
    const sd = new Float64Array(source.rows)
    for (let i = 0; i < source.rows; i++) {
      t[i] = targets[i * k + a]
      p[i] = preds[i * k + a]
      if (withStd) sd[i] = stds[i * k + a]
    }
    attributes[name] = ratingMetrics(t, p)
    if (withStd) intervals[name] = intervalMetrics(t, p, sd)
  })
  const reward = ratingMetrics(rewardTargets, rewardPreds)
  if (!withStd) return { attributes, reward }
  intervals.reward = intervalMetrics(rewardTargets, rewardPreds, rewardStds)
  return { attributes, reward, intervals }
}
