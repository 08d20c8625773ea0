/**
 * Scores a stream of rated examples with a model and keeps what evaluation needs: targets,
 * per-attribute scores and rewards (n floats each; features are never kept), plus the few
 * worst-predicted rows with their texts for the report.
 *
 * The merged reward's target is Σ_a w_a·s_a over the model's attribute weights, defined only on rows
 * where every attribute with a nonzero weight is labelled: filling a missing label (with 0 or the mean)
 * would invent a target, and rescaling the remaining weights would change what "reward" means row by row.
 *
 * @example
 *   const p = await predictRatings(model, readRatings('test.jsonl', { targetColumns: model.attributes }))
 *   p.n; p.scores   // 200, Float64Array [200 × k]
 */
import { DataError } from '../errors.ts'
import type { TextPair } from '../featurize/featurizer.ts'
import type { RatingScale } from '../model/config.ts'
import type { RewardModel } from '../model/reward-model.ts'

/** What evaluation reads from an example (data's RatingExample has this shape). */
export interface RatedPair extends TextPair {
  /** One rating per model attribute; NaN = missing. */
  targets: Float64Array
  line: number
}

export interface WorstExample {
  line: number
  prompt: string
  response: string
  /** null = unlabelled. */
  targets: Record<string, number | null>
  scores: Record<string, number>
  reward: number
  reward_target: number | null
  /** Mean squared error over the row's labelled attributes. */
  error: number
}

export interface RatingPredictions {
  attributes: string[]
  weights: number[]
  scales: (RatingScale | null)[]
  n: number
  /** [n, k] ratings, NaN where missing. */
  targets: Float64Array
  /** [n, k] model scores on the rating scale. */
  scores: Float64Array
  /** [n] merged rewards Σ w_a·score_a. */
  rewards: Float64Array
  /** [n] Σ w_a·s_a; NaN where a weighted attribute is unlabelled. */
  rewardTargets: Float64Array
  /** [n, k] predictive std per attribute and [n] the reward's, when the model has uncertainty. */
  scoresStd?: Float64Array
  rewardStd?: Float64Array
  /** Largest error first. */
  worst: WorstExample[]
}

export async function predictRatings(
  model: RewardModel,
  examples: AsyncIterable<RatedPair> | Iterable<RatedPair>,
  options: { batchSize: number; worst: number; file?: string },
): Promise<RatingPredictions> {
  const { attributes, attributeWeights: weights, scales } = model.config
  const k = attributes.length
  const parts: {
    targets: Float64Array
    scores: Float64Array
    rewards: Float64Array
    scoresStd: Float64Array
    rewardStd: Float64Array
  }[] = []
  const withStd = model.hasUncertainty
  const worst: WorstExample[] = []
  let batch: RatedPair[] = []
  let n = 0

  const flush = async () => {
    if (batch.length === 0) return
    const { rewards, scores, std, scoresStd } = await model.score(batch, options.batchSize)
    const targets = new Float64Array(batch.length * k)
    batch.forEach((e, i) => {
      targets.set(e.targets, i * k)
      keepWorst(
        worst,
        options.worst,
        () => worstRow(e, scores.subarray(i * k, (i + 1) * k), rewards[i]),
        rowError(e.targets, scores, i * k),
      )
    })
    parts.push({
      targets,
      scores,
      rewards,
      scoresStd: scoresStd ?? new Float64Array(0),
      rewardStd: std ?? new Float64Array(0),
    })
    n += batch.length
    batch = []
  }
  const worstRow = (e: RatedPair, s: Float64Array, reward: number): WorstExample => {
    const rt = rewardTarget(e.targets, weights)
    return {
      line: e.line,
      prompt: e.prompt,
      response: e.response,
      targets: Object.fromEntries(attributes.map((a, j) => [a, Number.isNaN(e.targets[j]) ? null : e.targets[j]])),
      scores: Object.fromEntries(attributes.map((a, j) => [a, s[j]])),
      reward,
      reward_target: Number.isNaN(rt) ? null : rt,
      error: rowError(e.targets, s, 0),
    }
  }

  for await (const e of examples) {
    if (e.targets.length !== k) {
      throw new DataError(
        `${e.targets.length} rating(s) but the model has ${k} attribute(s) (${attributes.join(', ')}); map the columns with --targets`,
        { file: options.file, line: e.line },
      )
    }
    batch.push(e)
    if (batch.length >= options.batchSize) await flush()
  }
  await flush()

  const concat = (key: 'targets' | 'scores' | 'rewards' | 'scoresStd' | 'rewardStd', width: number) => {
    const out = new Float64Array(n * width)
    let at = 0
    for (const p of parts) {
      out.set(p[key], at)
      at += p[key].length
    }
    return out
  }
  const targets = concat('targets', k)
  const rewardTargets = new Float64Array(n)
  for (let i = 0; i < n; i++) rewardTargets[i] = rewardTarget(targets.subarray(i * k, (i + 1) * k), weights)
  return {
    attributes,
    weights,
    scales,
    n,
    targets,
    scores: concat('scores', k),
    rewards: concat('rewards', 1),
    rewardTargets,
    worst,
    ...(withStd ? { scoresStd: concat('scoresStd', k), rewardStd: concat('rewardStd', 1) } : {}),
  }
}

/** Σ w_a·s_a, or NaN when an attribute with nonzero weight is unlabelled. */
export function rewardTarget(targets: ArrayLike<number>, weights: ArrayLike<number>): number {
  let r = 0
  for (let a = 0; a < weights.length; a++) {
    if (weights[a] === 0) continue
    if (Number.isNaN(targets[a])) return Number.NaN
    r += weights[a] * targets[a]
  }
  return r
}

/** Mean squared error of one row over its labelled attributes; NaN when none is labelled. */
function rowError(targets: ArrayLike<number>, scores: ArrayLike<number>, offset: number): number {
  let se = 0
  let m = 0
  for (let a = 0; a < targets.length; a++) {
    if (Number.isNaN(targets[a])) continue
    se += (scores[offset + a] - targets[a]) ** 2
    m++
  }
  return m ? se / m : Number.NaN
}

/** Keeps the `cap` largest errors, largest first; `make` builds the row only when it gets in. */
function keepWorst(list: WorstExample[], cap: number, make: () => WorstExample, error: number): void {
  if (cap === 0 || Number.isNaN(error)) return
  if (list.length === cap && error <= list[list.length - 1].error) return
  const row = make()
  let i = list.length
  while (i > 0 && list[i - 1].error < error) i--
  list.splice(i, 0, row)
  if (list.length > cap) list.pop()
}
