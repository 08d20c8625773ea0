/**
 * A small real reward model for the serve tests, the browser test and the serve benchmark: the
 * hashing featurizer and a seeded linear head (untrained; serving costs the same either way).
 *
 * @example
 *   const model = hashingModel({ dim: 512 })
 *   await model.score([{ prompt: 'Hi', response: 'Hello!' }])
 */
import { Rng } from '../../src/compute/rng.ts'
import { createHashingFeaturizer } from '../../src/featurize/hashing.ts'
import type { HeadSpec } from '../../src/heads/registry.ts'
import { createHead } from '../../src/heads/registry.ts'
import { FORMAT_VERSION, type ModelConfig } from '../../src/model/config.ts'
import { gatingMerge, initGatingParams } from '../../src/model/merge/gating.ts'
import { initialLogits } from '../../src/model/merge/learned-global.ts'
import { RewardModel } from '../../src/model/reward-model.ts'

export interface HashingModelOptions {
  dim?: number
  seed?: number
  head?: 'linear' | 'mlp'
  /** 'gating': a seeded random gate, so the attribute weights differ from prompt to prompt. */
  merge?: 'fixed' | 'gating'
}

export function hashingModel(o: HashingModelOptions = {}): RewardModel {
  const featurizer = createHashingFeaturizer({ dim: o.dim ?? 512 })
  const spec: HeadSpec =
    o.head === 'mlp'
      ? { type: 'mlp', inputDim: featurizer.dim, outputs: 3, hidden: [16], activation: 'gelu', dropout: 0 }
      : { type: 'linear', inputDim: featurizer.dim, outputs: 3 }
  // Scale the random init up so that different texts get clearly different scores.
  const head = createHead(spec, new Rng(o.seed ?? 7))
  for (const t of Object.values(head.params)) for (let i = 0; i < t.data.length; i++) t.data[i] *= 8
  const config: ModelConfig = {
    formatVersion: FORMAT_VERSION,
    attributes: ['helpfulness', 'coherence', 'verbosity'],
    attributeWeights: [0.6, 0.4, -0.1],
    scales: [{ min: 1, max: 5 }, { min: 0, max: 4 }, null],
    targetStats: [
      { mean: 3.2, std: 0.9 },
      { mean: 2.1, std: 0.7 },
      { mean: 0.5, std: 0.25 },
    ],
    head: { ...spec },
    featurizer: featurizer.spec,
    training: { metrics: { val: { pearson: { helpfulness: 0.61, coherence: 0.55, verbosity: 0.4 }, rmse: 0.71 } } },
  }
  if (o.merge !== 'gating') return new RewardModel(config, head, featurizer)
  const rng = new Rng((o.seed ?? 7) + 1)
  const params = initGatingParams(featurizer.dim, 4, initialLogits(config.attributeWeights), rng)
  // Random output weights (the fresh gate's are 0) and a wide first layer, so prompts differ.
  for (const t of Object.values(params)) for (let i = 0; i < t.data.length; i++) t.data[i] = 8 * (rng.float() - 0.5)
  const merge = gatingMerge(params)
  return new RewardModel({ ...config, merge: merge.spec }, head, featurizer, merge)
}
