import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { Rng } from '../compute/rng.ts'
import { createFeaturizer } from '../featurize/registry.ts'
import { createHead } from '../heads/registry.ts'
import { FORMAT_VERSION, type ModelConfig } from './config.ts'
import { loadRewardModel } from './load-model.ts'
import { RewardModel } from './reward-model.ts'
import { saveRewardModel } from './save-model.ts'

async function demoModel(): Promise<RewardModel> {
  const featurizer = await createFeaturizer({ type: 'hashing', dim: 256 })
  const head = createHead(
    { type: 'mlp', inputDim: featurizer.dim, outputs: 2, hidden: [8], activation: 'gelu', dropout: 0 },
    new Rng(3),
  )
  const config: ModelConfig = {
    formatVersion: FORMAT_VERSION,
    attributes: ['helpfulness', 'verbosity'],
    attributeWeights: [0.8, -0.2],
    scales: [{ min: 0, max: 4 }, null],
    targetStats: [
      { mean: 2, std: 1.5 },
      { mean: 1, std: 0.5 },
    ],
    head: head.spec as ModelConfig['head'],
    featurizer: featurizer.spec,
  }
  return new RewardModel(config, head, featurizer)
}

const pairs = [
  { prompt: 'How do I reset my password?', response: 'Open Settings, choose Security, then Reset password.' },
  { prompt: 'Where is my order?', response: 'no idea' },
  { prompt: '', response: 'An empty prompt still scores.' },
]

test('a saved and reloaded model gives identical scores; reward merges scores with the weights', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rf-model-'))
  try {
    const model = await demoModel()
    const before = await model.score(pairs)
    await saveRewardModel(join(dir, 'm'), model)
    const loaded = await loadRewardModel(join(dir, 'm'))
    const after = await loaded.score(pairs)
    assert.deepEqual(Array.from(after.scores), Array.from(before.scores))
    assert.deepEqual(Array.from(after.rewards), Array.from(before.rewards))
    for (let i = 0; i < pairs.length; i++) {
      const expected = 0.8 * before.scores[i * 2] - 0.2 * before.scores[i * 2 + 1]
      assert.ok(Math.abs(before.rewards[i] - expected) < 1e-12)
    }
    assert.deepEqual(Object.keys(loaded.scoreObjects(after)[0]), ['helpfulness', 'verbosity'])
    // Scores do not depend on the scoring batch size.
    const oneByOne = await loaded.score(pairs, 1)
    assert.deepEqual(Array.from(oneByOne.scores), Array.from(after.scores))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('a featurizer whose width no longer matches the head is a clear error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rf-model-'))
  try {
    await saveRewardModel(join(dir, 'm'), await demoModel())
    const cfgPath = join(dir, 'm', 'config.json')
    const cfg = JSON.parse(await readFile(cfgPath, 'utf8'))
    cfg.featurizer.dim = 512
    await writeFile(cfgPath, JSON.stringify(cfg))
    await assert.rejects(loadRewardModel(join(dir, 'm')), /gives 512 features but the head expects 256/)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
