/**
 * A trained reward model: featurizer + head + the scales, statistics and weights that turn head
 * outputs into ratings. Head outputs are standardized; score_a = mean_a + std_a · out_a is back on
 * the rating scale, and the merge (merge/registry.ts) turns them into one number,
 * reward = Σ_a w_a · score_a, with weights that are fixed, learned, or chosen per prompt by a gate.
 * This is the one place a reward is merged: score, eval, serve, rank and the browser all come here.
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
import { type Merge, mergeRewards } from './merge/merge.ts'
import { createMerge } from './merge/registry.ts'
import { backboneOf } from './side-features.ts'
import type { Uncertainty } from './uncertainty.ts'

export interface Scored {
  /** The merged reward per item. */
  rewards: Float64Array
  /** [n, k] attribute scores on the rating scale, row-major. */
  scores: Float64Array
  /** [n, k] the merge weights of each row (the same on every row unless the merge reads the prompt). */
  weights?: Float64Array
  /** The merged reward's predictive std per item, when the model has uncertainty. */
  std?: Float64Array
  /** [n, k] predictive std per attribute on the rating scale, when the model has uncertainty. */
  scoresStd?: Float64Array
}

export interface ScoreOptions {
  /** Compute the std when the model has uncertainty; default true. */
  std?: boolean
}

export class RewardModel {
  constructor(
    readonly config: ModelConfig,
    readonly head: Head,
    readonly featurizer: Featurizer,
    /** Defaults to the merge config.json describes (fixed when it has no "merge" field). */
    readonly merge: Merge = createMerge(config, {}),
    /** Null for a model without uncertainty (e.g. a folder saved by an older version). */
    readonly uncertainty: Uncertainty | null = null,
  ) {}

  /** Whether scores come with a std. */
  get hasUncertainty(): boolean {
    return this.uncertainty !== null
  }

  get attributes(): string[] {
    return this.config.attributes
  }

  /**
   * Maps head outputs ([n, k], standardized) to ratings and merged rewards. `prompts` ([n, d], see
   * promptFeatures) is needed only when the merge reads the prompt.
   */
  fromHeadOutputs(out: Matrix, prompts: Matrix | null = null): Scored {
    const { targetStats } = this.config
    const k = targetStats.length
    const scores = new Float64Array(out.rows * k)
    for (let i = 0; i < out.rows; i++) {
      for (let a = 0; a < k; a++) scores[i * k + a] = targetStats[a].mean + targetStats[a].std * out.data[i * k + a]
    }
    const weights = this.merge.weights(prompts, out.rows)
    return { rewards: mergeRewards(weights, scores, k), scores, weights }
  }

  /** Scores features that were already computed by this model's featurizer (prompts: see fromHeadOutputs). */
  async scoreFeatures(x: Matrix, prompts: Matrix | null = null, options: ScoreOptions = {}): Promise<Scored> {
    const scored = this.fromHeadOutputs(await this.head.predict(x), prompts)
    const u = this.uncertainty
    // An ensemble's scores are its members' mean, with or without the std.
    if (!u || (options.std === false && u.kind !== 'ensemble')) return scored
    const k = this.config.attributes.length
    const weights = scored.weights ?? new Float64Array(x.rows * k)
    const p = await u.predict(x, weights, u.kind === 'ensemble' ? undefined : scored.scores)
    const rewards = u.kind === 'ensemble' ? mergeRewards(weights, p.scores, k) : scored.rewards
    if (options.std === false) return { ...scored, rewards, scores: p.scores }
    return { ...scored, rewards, scores: p.scores, std: p.rewardStd, scoresStd: p.scoresStd }
  }

  /**
   * What a merge that reads the prompt (the gate) featurizes (prompt, "") with: the backbone alone.
   * Side features (--features) describe a (prompt, response) pair, so a prompt on its own has none,
   * and the gate weighs the attributes before it sees a response.
   */
  get promptFeaturizer(): Featurizer {
    return backboneOf(this.featurizer)
  }

  /**
   * [n, d] the backbone's vector of (prompt_i, "") per row, for a merge that reads the prompt (null
   * otherwise). Each distinct prompt is featurized once; `featurize` defaults to promptFeaturizer's.
   */
  async promptFeatures(
    pairs: readonly TextPair[],
    featurize: (p: TextPair[]) => Promise<Float32Array> = (p) => this.promptFeaturizer.featurize(p),
  ): Promise<Matrix | null> {
    if (!this.merge.readsPrompt) return null
    const d = this.promptFeaturizer.dim
    const keyOf = (p: TextPair) => (p.messages ? JSON.stringify(p.messages) : p.prompt)
    const slot = new Map<string, number>()
    const distinct: TextPair[] = []
    for (const p of pairs) {
      if (slot.has(keyOf(p))) continue
      slot.set(keyOf(p), distinct.length)
      distinct.push({ prompt: p.prompt, response: '', ...(p.messages && { messages: p.messages }) })
    }
    const u = distinct.length > 0 ? await featurize(distinct) : new Float32Array(0)
    const data = new Float32Array(pairs.length * d)
    pairs.forEach((p, i) => {
      const j = slot.get(keyOf(p)) as number
      data.set(u.subarray(j * d, (j + 1) * d), i * d)
    })
    return { rows: pairs.length, cols: d, data }
  }

  /** Featurizes and scores pairs in chunks of `batchSize`; the result is in input order. */
  async score(pairs: TextPair[], batchSize = 64, options: ScoreOptions = {}): Promise<Scored> {
    const k = this.config.attributes.length
    const rewards = new Float64Array(pairs.length)
    const scores = new Float64Array(pairs.length * k)
    const weights = new Float64Array(pairs.length * k)
    const withStd = this.uncertainty !== null && options.std !== false
    const std = new Float64Array(withStd ? pairs.length : 0)
    const scoresStd = new Float64Array(withStd ? pairs.length * k : 0)
    for (let start = 0; start < pairs.length; start += batchSize) {
      const batch = pairs.slice(start, start + batchSize)
      const x = { rows: batch.length, cols: this.featurizer.dim, data: await this.featurizer.featurize(batch) }
      const s = await this.scoreFeatures(x, await this.promptFeatures(batch), options)
      rewards.set(s.rewards, start)
      scores.set(s.scores, start * k)
      if (s.weights) weights.set(s.weights, start * k)
      if (s.std && s.scoresStd) {
        std.set(s.std, start)
        scoresStd.set(s.scoresStd, start * k)
      }
    }
    return withStd ? { rewards, scores, weights, std, scoresStd } : { rewards, scores, weights }
  }

  /** One {attribute: score} object per item. */
  scoreObjects(s: Scored): Record<string, number>[] {
    return this.attributeObjects(s.scores)
  }

  /** One {attribute: std} object per item, or null when the scores have no std. */
  stdObjects(s: Scored): Record<string, number>[] | null {
    return s.scoresStd ? this.attributeObjects(s.scoresStd) : null
  }

  private attributeObjects(values: Float64Array): Record<string, number>[] {
    const names = this.config.attributes
    const k = names.length
    return Array.from({ length: values.length / k }, (_, i) =>
      Object.fromEntries(names.map((n, a) => [n, values[i * k + a]])),
    )
  }
}
