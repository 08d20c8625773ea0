/**
 * Learns how a trained model merges its attributes, from preference pairs (ArmoRM's second stage):
 * the attribute heads stay frozen, both responses of each pair are scored once, and fitMerge learns
 * global weights or a gate on the prompt. Pairs are split into train and validation by prompt (a
 * prompt's pairs stay on one side); the validation pairs pick the step kept.
 *
 * @example
 *   const { model: merged, report } = await learnMerge(model, pairs, { type: 'gating' })
 *   report.validation?.learned.accuracy   // pair accuracy of the learned merge on held-out prompts
 *   await saveRewardModel('models/rm-gated', merged)
 */
import { ratingsSplit, resolveSplitOptions } from '../data/split.ts'
import { type PreferencePair, pairTexts } from '../eval/preference-pair.ts'
import type { ModelConfig } from '../model/config.ts'
import {
  fitMerge,
  type MergeFitOptions,
  type MergeFitReport,
  resolveMergeFitOptions,
  type ScoredPairSet,
} from '../model/merge/fit-merge.ts'
import type { Merge } from '../model/merge/merge.ts'
import { RewardModel } from '../model/reward-model.ts'
import { checkPairSideFeatures } from '../model/side-features.ts'

export interface LearnMergeOptions extends MergeFitOptions {
  /** Share of prompts whose pairs are held out to pick the step kept. Range [0, 1). */
  valFraction?: number
  /** Featurizer batch size. */
  batchSize?: number
}

export const LEARN_MERGE_DEFAULTS = { valFraction: 0.2, batchSize: 64 } satisfies Partial<Required<LearnMergeOptions>>

/**
 * Scores both responses of every pair with the frozen heads and, when `withPrompts`, featurizes each
 * distinct prompt once as (prompt, "") with the backbone (model.promptFeaturizer: no side features).
 */
export async function scorePairSet(
  model: RewardModel,
  pairs: readonly PreferencePair[],
  withPrompts: boolean,
  batchSize = 64,
): Promise<ScoredPairSet> {
  const k = model.attributes.length
  checkPairSideFeatures(
    model.config.sideFeatures,
    pairs,
    `Learn its merge in the training run: rewardfit train --features ${model.config.sideFeatures?.columns.join(',')} --pairs-from-ratings --merge learned|gating (pairs derived from the ratings keep each response's features).`,
  )
  const { scores } = await model.score(pairs.flatMap(pairTexts), batchSize)
  const delta = new Float64Array(pairs.length * k)
  for (let i = 0; i < pairs.length; i++) {
    for (let a = 0; a < k; a++) delta[i * k + a] = scores[2 * i * k + a] - scores[(2 * i + 1) * k + a]
  }
  const slot = new Map<string, number>()
  const distinct: PreferencePair[] = []
  const promptOf = Int32Array.from(pairs, (p) => {
    const key = p.messages ? JSON.stringify(p.messages) : p.prompt
    let j = slot.get(key)
    if (j === undefined) {
      j = distinct.length
      slot.set(key, j)
      distinct.push(p)
    }
    return j
  })
  const side = {
    ...(pairs.some((p) => p.margin !== undefined) && { margins: Float64Array.from(pairs, (p) => p.margin ?? 0) }),
    ...(pairs.some((p) => p.label !== undefined) && { labels: Float64Array.from(pairs, (p) => p.label ?? 1) }),
  }
  if (!withPrompts) return { delta, promptOf, prompts: null, ...side }
  // The gate reads the backbone's vector of the prompt alone, as RewardModel.promptFeatures gives it.
  const prompts = model.promptFeaturizer
  const d = prompts.dim
  const data = new Float32Array(distinct.length * d)
  for (let s = 0; s < distinct.length; s += batchSize) {
    const batch = distinct
      .slice(s, s + batchSize)
      .map((p) => ({ prompt: p.prompt, response: '', ...(p.messages && { messages: p.messages }) }))
    data.set(await prompts.featurize(batch), s * d)
  }
  return { delta, promptOf, prompts: { rows: distinct.length, cols: d, data }, ...side }
}

/** The model with `merge` in place of its own; config.json's "merge" records the spec and the fit. */
export function withMerge(model: RewardModel, merge: Merge, report?: MergeFitReport): RewardModel {
  const { merge: _old, ...rest } = model.config
  const spec = report ? { ...merge.spec, fit: report } : merge.spec
  const config: ModelConfig = merge.spec.type === 'fixed' ? rest : { ...rest, merge: spec }
  return new RewardModel(config, model.head, model.featurizer, merge, model.uncertainty)
}

export async function learnMerge(
  model: RewardModel,
  pairs: readonly PreferencePair[],
  options: LearnMergeOptions = {},
): Promise<{ model: RewardModel; report: MergeFitReport }> {
  const o = resolveMergeFitOptions(options)
  const { valFraction, seed } = resolveSplitOptions({
    valFraction: options.valFraction ?? LEARN_MERGE_DEFAULTS.valFraction,
    seed: o.seed,
  })
  const batchSize = options.batchSize ?? LEARN_MERGE_DEFAULTS.batchSize
  const split = { valFraction, testFraction: 0, seed }
  const side = (p: PreferencePair) => ratingsSplit({ prompt: p.prompt, group: p.group }, split)
  const train = pairs.filter((p) => side(p) === 'train')
  const val = pairs.filter((p) => side(p) !== 'train')
  return learnMergeOnSplits(model, train, val, { ...o, batchSize })
}

/**
 * learnMerge on pairs already split: fits on `train`, keeps the step with the best L_BT on `val`
 * (train's own pairs pick it when `val` is empty). `train --merge learned` uses this with its run's splits.
 */
export async function learnMergeOnSplits(
  model: RewardModel,
  train: readonly PreferencePair[],
  val: readonly PreferencePair[],
  options: LearnMergeOptions = {},
): Promise<{ model: RewardModel; report: MergeFitReport }> {
  const o = resolveMergeFitOptions(options)
  const batchSize = options.batchSize ?? LEARN_MERGE_DEFAULTS.batchSize
  const withPrompts = o.type === 'gating'
  const trainSet = await scorePairSet(model, train, withPrompts, batchSize)
  const valSet = val.length > 0 ? await scorePairSet(model, val, withPrompts, batchSize) : null
  const { merge, report } = fitMerge(trainSet, o, model.config.attributeWeights, valSet)
  return { model: withMerge(model, merge, report), report }
}
