/**
 * A trained reward model: featurizer + head + the scales, statistics and weights that turn head
 * outputs into ratings. Head outputs are standardized; score_a = mean_a + std_a · out_a is back on
 * the rating scale, and reward = Σ_a w_a · score_a merges the attributes into one number.
 *
 * @example
 *   const model = await loadRewardModel('models/demo')
 *   const { rewards, scores } = await model.score([{ prompt: 'Where is my order?', response: '...' }])
 *   // rewards: Float64Array [1], scores: [{ relevance: 3.4, ... }]
 */
import type { Matrix } from '../compute/matrix.ts'
import type { Featurizer, TextPair } from '../featurize/featurizer.ts'
import type { Head } from '../heads/head.ts'
import type { ModelConfig } from './config.ts'

export interface Scored {
  /** The merged reward per item. */
  rewards: Float64Array
  /** [n, k] attribute scores on the rating scale, row-major. */
  scores: Float64Array
}

export class RewardModel {
  constructor(
    readonly config: ModelConfig,
    readonly head: Head,
    readonly featurizer: Featurizer,
  ) {}

  get attributes(): string[] {
    return this.config.attributes
  }

  /** Maps head outputs ([n, k], standardized) to ratings and merged rewards. */
  fromHeadOutputs(out: Matrix): Scored {
    const { targetStats, attributeWeights } = this.config
    const k = targetStats.length
    const scores = new Float64Array(out.rows * k)
    const rewards = new Float64Array(out.rows)
    for (let i = 0; i < out.rows; i++) {
      let r = 0
      for (let a = 0; a < k; a++) {
        const s = targetStats[a].mean + targetStats[a].std * out.data[i * k + a]
        scores[i * k + a] = s
        r += attributeWeights[a] * s
      }
      rewards[i] = r
    }
    return { rewards, scores }
  }

  /** Scores features that were already computed by this model's featurizer. */
  async scoreFeatures(x: Matrix): Promise<Scored> {
    return this.fromHeadOutputs(await this.head.predict(x))
  }

  /** Featurizes and scores pairs in chunks of `batchSize`; the result is in input order. */
  async score(pairs: TextPair[], batchSize = 64): Promise<Scored> {
    const k = this.config.attributes.length
    const rewards = new Float64Array(pairs.length)
    const scores = new Float64Array(pairs.length * k)
    for (let start = 0; start < pairs.length; start += batchSize) {
      const batch = pairs.slice(start, start + batchSize)
      const x = { rows: batch.length, cols: this.featurizer.dim, data: await this.featurizer.featurize(batch) }
      const s = await this.scoreFeatures(x)
      rewards.set(s.rewards, start)
      scores.set(s.scores, start * k)
    }
    return { rewards, scores }
  }

  /** One {attribute: score} object per item. */
  scoreObjects(s: Scored): Record<string, number>[] {
    const names = this.config.attributes
    return Array.from(s.rewards, (_, i) => Object.fromEntries(names.map((n, a) => [n, s.scores[i * names.length + a]])))
  }
}
