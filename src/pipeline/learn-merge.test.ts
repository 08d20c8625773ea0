import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { hashingModel } from '../../test/browser/hashing-model.ts'
import { decodeSafetensors } from '../core/safetensors.ts'
import type { PreferencePair } from '../eval/preference-pair.ts'
import { loadRewardModel } from '../model/load-model.ts'
import { saveRewardModel } from '../model/save-model.ts'
import { learnMerge } from './learn-merge.ts'

const topics = ['billing', 'shipping', 'returns', 'passwords', 'sizes', 'gift cards', 'warranty', 'stock']
const pairs: PreferencePair[] = topics.flatMap((t, i) => [
  {
    prompt: `A question about ${t}?`,
    chosen: `A clear answer about ${t}, with the steps.`,
    rejected: 'no',
    line: 2 * i + 1,
  },
  {
    prompt: `A question about ${t}?`,
    chosen: `Yes: ${t} works like this.`,
    rejected: `I refuse to talk about ${t}.`,
    line: 2 * i + 2,
  },
])
const texts = [
  { prompt: 'A question about billing?', response: 'Pay under Account.' },
  { prompt: 'Something else entirely', response: 'Pay under Account.' },
]

for (const type of ['learned-global', 'gating'] as const) {
  test(`a ${type} merge learned from pairs is saved and reloaded with identical rewards`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rf-merge-'))
    try {
      const base = hashingModel({ dim: 256 })
      const { model, report } = await learnMerge(base, pairs, { type, epochs: 30, hidden: 3, valFraction: 0.25 })
      assert.equal(model.merge.spec.type, type)
      assert.equal(report.train.fixed.pairs + (report.validation?.fixed.pairs ?? 0), pairs.length)
      const before = await model.score(texts)
      // The heads are frozen: attribute scores are the base model's; only the reward changes.
      assert.deepEqual(before.scores, (await base.score(texts)).scores)
      assert.notDeepEqual(before.rewards, (await base.score(texts)).rewards)
      await saveRewardModel(join(dir, 'm'), model)
      const config = JSON.parse(await readFile(join(dir, 'm', 'config.json'), 'utf8'))
      assert.equal(config.merge.type, type)
      assert.equal(config.merge.fit.type, type)
      const tensors = decodeSafetensors(new Uint8Array(await readFile(join(dir, 'm', 'head.safetensors')))).tensors
      assert.ok(Object.keys(tensors).some((n) => n.startsWith('merge.')))
      const loaded = await loadRewardModel(join(dir, 'm'))
      assert.equal(loaded.merge.spec.type, type)
      const after = await loaded.score(texts)
      assert.deepEqual(after.rewards, before.rewards)
      assert.deepEqual(after.weights, before.weights)
      if (type === 'gating') assert.notDeepEqual(after.weights?.slice(0, 3), after.weights?.slice(3))
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
}

test('a folder saved with the fixed merge has no merge field and scores Σ w·score', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rf-merge-'))
  try {
    await saveRewardModel(join(dir, 'm'), hashingModel({ dim: 256 }))
    const config = JSON.parse(await readFile(join(dir, 'm', 'config.json'), 'utf8'))
    assert.equal('merge' in config, false)
    const loaded = await loadRewardModel(join(dir, 'm'))
    assert.equal(loaded.merge.spec.type, 'fixed')
    const s = await loaded.score(texts)
    const w = config.attributeWeights as number[]
    for (let i = 0; i < texts.length; i++) {
      const r = w.reduce((acc, wa, a) => acc + wa * s.scores[i * 3 + a], 0)
      assert.ok(Math.abs(s.rewards[i] - r) < 1e-12)
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
