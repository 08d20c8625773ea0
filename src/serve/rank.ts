/**
 * Best-of-n: responses to one prompt, sorted by reward (highest first; ties keep input order).
 * Shared by POST /v1/rank and `rewardfit rank`.
 *
 * @example
 *   const scored = await model.score(responses.map((response) => ({ prompt, response })))
 *   rankScored(responses, scored, model.attributes, { topK: 2 })
 *   // [{ rank: 1, index: 2, response: '...', reward: 4.1, scores: { helpfulness: 4.1 } }, { rank: 2, ... }]
 */
import { OptionError } from '../errors.ts'
import type { Scored } from '../model/reward-model.ts'

/** z of the one-sided 95% lower confidence bound, Φ⁻¹(0.95). */
export const LCB_Z = 1.6448536269514722

export type RankBy = 'mean' | 'lcb'

export interface RankOptions {
  /** Keep the best topK responses; all when unset. More than there are responses keeps all. Range [1, ∞). */
  topK?: number
  /**
   * 'mean': by reward. 'lcb': by the lower confidence bound reward − 1.645·std, so that a response
   * unlike anything the model was trained on (large std) does not win on a lucky guess.
   */
  by?: RankBy
}

export interface RankedResponse {
  /** 1 for the best response. */
  rank: number
  /** Position in the input. */
  index: number
  response: string
  reward: number
  scores: Record<string, number>
  /** With a model that has uncertainty: the reward's std, its lower bound, and each attribute's std. */
  std?: number
  lcb?: number
  scores_std?: Record<string, number>
}

export function rankScored(
  responses: string[],
  scored: Scored,
  attributes: string[],
  options: RankOptions = {},
): RankedResponse[] {
  const { topK, by = 'mean' } = options
  if (topK !== undefined && !(Number.isSafeInteger(topK) && topK >= 1))
    throw new OptionError('topK', topK, 'a positive integer')
  if (by !== 'mean' && by !== 'lcb') throw new OptionError('by', by, "'mean' or 'lcb'")
  const { std, scoresStd } = scored
  if (by === 'lcb' && !std) {
    throw new OptionError(
      'by',
      by,
      "'mean': this model has no uncertainty (an older folder or a head without it); retrain with the ridge head to rank by lcb",
    )
  }
  const k = attributes.length
  const key = std && by === 'lcb' ? (i: number) => scored.rewards[i] - LCB_Z * std[i] : (i: number) => scored.rewards[i]
  const order = responses.map((_, i) => i).sort((a, b) => key(b) - key(a) || a - b)
  return order.slice(0, topK ?? order.length).map((i, r) => {
    const out: RankedResponse = {
      rank: r + 1,
      index: i,
      response: responses[i],
      reward: scored.rewards[i],
      scores: Object.fromEntries(attributes.map((name, a) => [name, scored.scores[i * k + a]])),
    }
    if (std && scoresStd) {
      out.std = std[i]
      out.lcb = scored.rewards[i] - LCB_Z * std[i]
      out.scores_std = Object.fromEntries(attributes.map((name, a) => [name, scoresStd[i * k + a]]))
    }
    return out
  })
}
