/**
 * The bodies of the scoring routes' answers, built in one place so that a field added to every
 * answer (e.g. an uncertainty per item) is added once.
 *
 *   POST /v1/score   → {"rewards": [r], "scores": [{ATTR: s}], "std"?: [sd], "scores_std"?: [{ATTR: sd}]}
 *   POST /get_reward → {"rewards": [r], "scores": [r], "std"?: [sd], "extra_logs": {ATTR: [s], "reward_std"?: [sd], "prompt_not_found": [0|1]}}
 *   POST /v1/rank    → {"ranking": [{rank, index, response, reward, scores, std?, lcb?, scores_std?}]}
 *
 * The std fields appear only for a model with uncertainty; they are extra fields, so clients that
 * read rewards (OpenRLHF) are unaffected.
 *
 * @example
 *   scoreResponse(['helpfulness'], { rewards: Float64Array.of(3.1), scores: Float64Array.of(3.1) })
 *   // { rewards: [3.1], scores: [{ helpfulness: 3.1 }] }
 */
import type { Scored } from '../model/reward-model.ts'
import { type RankBy, type RankedResponse, rankScored } from './rank.ts'

export interface ScoreResponse {
  rewards: number[]
  scores: Record<string, number>[]
  std?: number[]
  scores_std?: Record<string, number>[]
}

/**
 * OpenRLHF's reward-server answer (as its own serve_rm.py): `scores` repeats the rewards (OpenRLHF
 * filters on them); `extra_logs` holds one list per logged quantity, one value per query, which
 * OpenRLHF logs as they are (to wandb): each attribute's score, and 1 where the prompt was not
 * found in the query and the whole query was scored as the response.
 */
export interface GetRewardResponse {
  rewards: number[]
  scores: number[]
  std?: number[]
  extra_logs: Record<string, number[]>
}

export interface RankResponse {
  ranking: RankedResponse[]
}

/** [n, k] row-major scores as one {ATTR: score} object per item. */
function scoreObjects(attributes: string[], values: Float64Array): Record<string, number>[] {
  const k = attributes.length
  return Array.from({ length: values.length / k }, (_, i) =>
    Object.fromEntries(attributes.map((n, a) => [n, values[i * k + a]])),
  )
}

export function scoreResponse(attributes: string[], s: Scored): ScoreResponse {
  const out: ScoreResponse = { rewards: Array.from(s.rewards), scores: scoreObjects(attributes, s.scores) }
  if (s.std && s.scoresStd) {
    out.std = Array.from(s.std)
    out.scores_std = scoreObjects(attributes, s.scoresStd)
  }
  return out
}

export function getRewardResponse(attributes: string[], s: Scored, found: boolean[]): GetRewardResponse {
  const rewards = Array.from(s.rewards)
  const k = attributes.length
  const extra = new Map<string, number[]>()
  attributes.forEach((name, a) => {
    extra.set(
      name,
      rewards.map((_, i) => s.scores[i * k + a]),
    )
  })
  if (s.std && !extra.has('reward_std')) extra.set('reward_std', Array.from(s.std))
  if (!extra.has('prompt_not_found'))
    extra.set(
      'prompt_not_found',
      found.map((f) => (f ? 0 : 1)),
    )
  const out: GetRewardResponse = { rewards, scores: rewards, extra_logs: Object.fromEntries(extra) }
  if (s.std) out.std = Array.from(s.std)
  return out
}

export function rankResponse(
  attributes: string[],
  responses: string[],
  s: Scored,
  topK?: number,
  by?: RankBy,
): RankResponse {
  return { ranking: rankScored(responses, s, attributes, { topK, by }) }
}
