/**
 * Pair metrics of a trained model on stored pair features (a validation or test split): the merged
 * reward of both responses, then pair accuracy (a reward tie counts half; tie labels are left out),
 * the mean r_c - r_r and L_BT (no centering term).
 *
 * @example
 *   const m = await evaluatePairSource(model, pairSource(testStore))
 *   m.accuracy   // 0.71
 */
import type { BatchSource } from '../core/batch-source.ts'
import type { RewardModel } from '../model/reward-model.ts'
import { pairValidation } from '../objectives/bradley-terry.ts'
import type { PromptRows } from './evaluate-source.ts'

export interface PairSplitMetrics {
  pairs: number
  /** Share of pairs ordered as labelled, ties half. */
  accuracy: number
  /** Mean r_c - r_r, in the reward's units. */
  mean_margin: number
  /** L_BT = E[p·log σ(d) + (1-p)·log σ(-d)], ≤ 0. */
  l_bt: number
}

export async function evaluatePairSource(
  model: RewardModel,
  pairs: BatchSource,
  chunkPairs = 2048,
  prompts: PromptRows | null = null,
): Promise<PairSplitMetrics> {
  const acc = pairValidation(0)
  let row = 0 // x holds both rows of each pair, chosen then rejected
  for await (const { x, y } of pairs.chunks(chunkPairs)) {
    const { rewards } = await model.scoreFeatures(x, prompts ? await prompts(row, x.rows) : null)
    row += x.rows
    acc.add(y, Float32Array.from(rewards))
  }
  const r = acc.result()
  return {
    pairs: r.metrics.pairs as number,
    accuracy: r.metrics.accuracy as number,
    mean_margin: r.metrics.meanMargin as number,
    l_bt: r.value,
  }
}
