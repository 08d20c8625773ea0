/**
 * Scores preference pairs with a model: both responses of each pair, in batches, keeping the two
 * rewards per pair, the subset label and the most wrongly ranked pairs (largest negative margin)
 * with their texts for the report.
 *
 * @example
 *   const s = await scorePairs(model, readPreferencePairs('pairs.jsonl'), { batchSize: 64, worst: 10 })
 *   s.chosen[0] > s.rejected[0]   // true when the model prefers the chosen response of pair 0
 */
import type { RewardModel } from '../model/reward-model.ts'
import { checkPairSideFeatures } from '../model/side-features.ts'
import { type PreferencePair, pairTexts } from './preference-pair.ts'

export interface WrongPair {
  line: number
  subset: string | null
  prompt: string
  chosen: string
  rejected: string
  reward_chosen: number
  reward_rejected: number
  margin: number
}

export interface ScoredPairs {
  n: number
  /** [n] reward of the chosen and the rejected response. */
  chosen: Float64Array
  rejected: Float64Array
  /** [n] subset label per pair (undefined when the row had none). */
  subsets: (string | undefined)[]
  /** Smallest margins first (the most confidently wrong). */
  worst: WrongPair[]
}

export async function scorePairs(
  model: RewardModel,
  pairs: AsyncIterable<PreferencePair> | Iterable<PreferencePair>,
  options: { batchSize: number; worst: number },
): Promise<ScoredPairs> {
  const chosen: number[] = []
  const rejected: number[] = []
  const subsets: (string | undefined)[] = []
  const worst: WrongPair[] = []
  let batch: PreferencePair[] = []
  const flush = async () => {
    if (batch.length === 0) return
    checkPairSideFeatures(
      model.config.sideFeatures,
      batch,
      'Evaluate it on ratings instead: eval --data FILE with those columns.',
    )
    // Chosen and rejected of a pair go through the same call: [c0, r0, c1, r1, ...].
    const { rewards } = await model.score(batch.flatMap(pairTexts), options.batchSize)
    batch.forEach((p, i) => {
      const c = rewards[2 * i]
      const r = rewards[2 * i + 1]
      chosen.push(c)
      rejected.push(r)
      subsets.push(p.subset)
      keepWrongest(worst, options.worst, p, c, r)
    })
    batch = []
  }
  for await (const p of pairs) {
    batch.push(p)
    // Two texts per pair: half a batch of pairs fills one featurizer batch.
    if (batch.length * 2 >= options.batchSize) await flush()
  }
  await flush()
  return { n: chosen.length, chosen: Float64Array.from(chosen), rejected: Float64Array.from(rejected), subsets, worst }
}

function keepWrongest(list: WrongPair[], cap: number, p: PreferencePair, c: number, r: number): void {
  const margin = c - r
  if (cap === 0 || margin > 0) return
  if (list.length === cap && margin >= list[list.length - 1].margin) return
  let i = list.length
  while (i > 0 && list[i - 1].margin > margin) i--
  list.splice(i, 0, {
    line: p.line,
    subset: p.subset ?? null,
    prompt: p.prompt,
    chosen: p.chosen,
    rejected: p.rejected,
    reward_chosen: c,
    reward_rejected: r,
    margin,
  })
  if (list.length > cap) list.pop()
}
