/**
 * Evaluation entry points. `evaluateRatings` and `evaluatePairs` evaluate one model; `evaluateModels`
 * evaluates several on the same data with the same bootstrap index sets and compares each later model
 * with the first (paired bootstrap, compare.ts). `evalJson` is the `--json` object.
 *
 * @example
 *   const report = await evaluateRatings(model, readRatings('test.jsonl', { targetColumns: model.attributes }), { bootstrap: 1000 })
 *   report.reward.pearson, report.reward.ci?.pearson      // 0.81, [0.77, 0.85]
 *   const pairs = await evaluatePairs(model, readPreferencePairs('hh.jsonl'))
 *   pairs.accuracy                                        // 0.64
 */
import { RewardfitError } from '../errors.ts'
import type { RewardModel } from '../model/reward-model.ts'
import { type Comparison, compareModels } from './compare.ts'
import { type EvalOptions, type ResolvedEvalOptions, resolveEvalOptions } from './options.ts'
import { predictRatings, type RatedPair, type RatingPredictions } from './predict-ratings.ts'
import type { PreferencePair } from './preference-pair.ts'
import { type ScoredPairs, scorePairs } from './score-pairs.ts'
import { type PairBootstrapStats, type PairReport, summarizePairs } from './summarize-pairs.ts'
import { type BootstrapStats, type RatingReport, summarizeRatings } from './summarize-ratings.ts'

type Source<T> = AsyncIterable<T> | Iterable<T>

export async function evaluateRatings(
  model: RewardModel,
  examples: Source<RatedPair>,
  options: EvalOptions = {},
): Promise<RatingReport> {
  const o = resolveEvalOptions(options)
  return summarizeRatings(await predictRatings(model, examples, o), o).report
}

export async function evaluatePairs(
  model: RewardModel,
  pairs: Source<PreferencePair>,
  options: EvalOptions = {},
): Promise<PairReport> {
  const o = resolveEvalOptions(options)
  return summarizePairs(await scorePairs(model, pairs, o), o).report
}

/** One model's results with the raw material the HTML report plots. */
export interface ModelEvaluation {
  label: string
  model: RewardModel
  ratings?: { report: RatingReport; predictions: RatingPredictions; stats: BootstrapStats | null }
  pairs?: { report: PairReport; scored: ScoredPairs; stats: PairBootstrapStats | null }
}

export interface EvalRun {
  options: ResolvedEvalOptions
  models: ModelEvaluation[]
  /** Each later model (B) against the first (A); empty without bootstrap or with one model. */
  comparisons: Comparison[]
}

export interface EvalInputs {
  /** Rated examples for a model: called once per model, since each reads with its own attribute names. */
  ratings?: (model: RewardModel) => Source<RatedPair>
  /** Preference pairs: called once per model. */
  pairs?: () => Source<PreferencePair>
  /** Name of the ratings file, for error messages. */
  file?: string
}

export async function evaluateModels(
  models: { label: string; model: RewardModel }[],
  inputs: EvalInputs,
  options: EvalOptions = {},
): Promise<EvalRun> {
  const o = resolveEvalOptions(options)
  if (!inputs.ratings && !inputs.pairs)
    throw new RewardfitError('nothing to evaluate: give rating data, preference pairs or both')
  const results: ModelEvaluation[] = []
  for (const { label, model } of models) {
    const r: ModelEvaluation = { label, model }
    if (inputs.ratings) {
      const predictions = await predictRatings(model, inputs.ratings(model), { ...o, file: inputs.file })
      r.ratings = { ...summarizeRatings(predictions, o), predictions }
    }
    if (inputs.pairs) {
      const scored = await scorePairs(model, inputs.pairs(), o)
      r.pairs = { ...summarizePairs(scored, o), scored }
    }
    results.push(r)
  }
  const comparisons: Comparison[] = []
  if (o.bootstrap > 0) {
    const [a, ...rest] = results
    for (const b of rest) {
      const side = (m: ModelEvaluation) => ({
        label: m.label,
        ratings: m.ratings?.stats ? { report: m.ratings.report, stats: m.ratings.stats } : undefined,
        pairs: m.pairs?.stats ? { report: m.pairs.report, stats: m.pairs.stats } : undefined,
      })
      if (a.ratings && b.ratings && a.ratings.predictions.n !== b.ratings.predictions.n) {
        throw new RewardfitError(
          `the models read different numbers of rows (${a.ratings.predictions.n} vs ${b.ratings.predictions.n}); a paired comparison needs the same rows`,
        )
      }
      comparisons.push(compareModels(side(a), side(b), { resamples: o.bootstrap, seed: o.seed, level: o.level }))
    }
  }
  return { options: o, models: results, comparisons }
}

/** The ratings report fields, plus `pairs`, for one model. */
export function modelJson(m: ModelEvaluation): Record<string, unknown> {
  return { ...(m.ratings?.report ?? {}), ...(m.pairs ? { pairs: m.pairs.report } : {}) }
}

/**
 * The `--json` object. One model: issue 3's {attributes, reward} plus n, weights, bootstrap and
 * `pairs` (with --pairs). Several: {models: [{model: label, ...the same}], comparisons: [...]}.
 */
export function evalJson(run: EvalRun): Record<string, unknown> {
  if (run.models.length === 1) return modelJson(run.models[0])
  return { models: run.models.map((m) => ({ model: m.label, ...modelJson(m) })), comparisons: run.comparisons }
}
