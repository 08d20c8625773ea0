/**
 * Scores every row of a file with a reward model, streaming: rows are read, featurized and scored in
 * batches, and results come out one per input row, in input order.
 *
 * @example
 *   for await (const r of scoreFile(model, 'candidates.jsonl')) console.log(r)
 *   // { index: 0, reward: 3.1, scores: { relevance: 3.6, ... } }
 */
import { withModelMapping } from '../data/mapping.ts'
import type { DataOptions } from '../data/options.ts'
import { readRatings } from '../data/read-ratings.ts'
import type { TextPair } from '../featurize/featurizer.ts'
import type { RewardModel } from '../model/reward-model.ts'

export interface ScoredRow {
  index: number
  reward: number
  scores: Record<string, number>
  /** The reward's predictive std and each attribute's, when the model has uncertainty. */
  std?: number
  scores_std?: Record<string, number>
}

export async function* scoreFile(
  model: RewardModel,
  file: string,
  dataOptions: DataOptions = {},
  batchSize = 256,
): AsyncGenerator<ScoredRow> {
  // The model's own column mapping unless overridden; scoring needs no ratings, so targets are not read.
  const mapped = withModelMapping(model.config.data, dataOptions, file)
  const rows = readRatings(file, {
    ...mapped,
    groupColumn: null,
    targetColumns: [],
    scale: null,
    requireTargets: false,
  })
  let batch: TextPair[] = []
  let index = 0
  async function* flush(): AsyncGenerator<ScoredRow> {
    const s = await model.score(batch, batchSize)
    const objects = model.scoreObjects(s)
    const stds = model.stdObjects(s)
    for (let i = 0; i < batch.length; i++) {
      const row: ScoredRow = { index: index++, reward: s.rewards[i], scores: objects[i] }
      if (s.std && stds) {
        row.std = s.std[i]
        row.scores_std = stds[i]
      }
      yield row
    }
    batch = []
  }
  for await (const e of rows) {
    batch.push({ prompt: e.prompt, response: e.response, messages: e.messages, features: e.features })
    if (batch.length >= batchSize) yield* flush()
  }
  if (batch.length > 0) yield* flush()
}
