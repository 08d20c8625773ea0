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

export interface RankOptions {
  /** Keep the best topK responses; all when unset. More than there are responses keeps all. Range [1, ∞). */
  topK?: number
}

export interface RankedResponse {
  /** 1 for the best response. */
  rank: number
  /** Position in the input. */
  index: number
  response: string
  reward: number
  scores: Record<string, number>
}

export function rankScored(
  responses: string[],
  scored: Scored,
  attributes: string[],
  options: RankOptions = {},
): RankedResponse[] {
  const { topK } = options
  if (topK !== undefined && !(Number.isSafeInteger(topK) && topK >= 1))
    throw new OptionError('topK', topK, 'a positive integer')
  const k = attributes.length
  const order = responses.map((_, i) => i).sort((a, b) => scored.rewards[b] - scored.rewards[a] || a - b)
  return order.slice(0, topK ?? order.length).map((i, r) => ({
    rank: r + 1,
    index: i,
    response: responses[i],
    reward: scored.rewards[i],
    scores: Object.fromEntries(attributes.map((name, a) => [name, scored.scores[i * k + a]])),
  }))
}
