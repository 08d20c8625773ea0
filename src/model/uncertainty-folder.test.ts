import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { ridgeModel } from '../../test/helpers/ridge-model.ts'
import { ModelFolderError } from '../errors.ts'
import { loadRewardModel } from './load-model.ts'
import { saveRewardModel } from './save-model.ts'
import { UNCERTAINTY_FILE } from './uncertainty.ts'

test('a model with uncertainty saves and loads: the same rewards and the same std', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rewardfit-unc-'))
  try {
    const { model, pairs } = await ridgeModel()
    const before = await model.score(pairs)
    assert.ok(before.std && before.scoresStd)
    assert.ok(before.std.every((s) => s > 0))
    await saveRewardModel(join(dir, 'm'), model)
    const loaded = await loadRewardModel(join(dir, 'm'))
    assert.ok(loaded.hasUncertainty)
    const after = await loaded.score(pairs)
    assert.deepEqual(after, before)
    // std: false skips the work and the fields.
    const plain = await loaded.score(pairs, 64, { std: false })
    assert.equal(plain.std, undefined)
    assert.deepEqual(plain.rewards, before.rewards)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('an older folder (no uncertainty) still loads and scores, without std', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rewardfit-unc-'))
  try {
    const { model, pairs } = await ridgeModel()
    await saveRewardModel(join(dir, 'm'), model)
    const cfgPath = join(dir, 'm', 'config.json')
    const cfg = JSON.parse(await readFile(cfgPath, 'utf8'))
    delete cfg.uncertainty
    await writeFile(cfgPath, JSON.stringify(cfg))
    await rm(join(dir, 'm', UNCERTAINTY_FILE))
    const old = await loadRewardModel(join(dir, 'm'))
    assert.equal(old.hasUncertainty, false)
    const s = await old.score(pairs)
    assert.equal(s.std, undefined)
    assert.deepEqual(s.rewards, (await model.score(pairs)).rewards)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('config.json naming uncertainty without its file is refused with the fix', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rewardfit-unc-'))
  try {
    const { model } = await ridgeModel()
    await saveRewardModel(join(dir, 'm'), model)
    await rm(join(dir, 'm', UNCERTAINTY_FILE))
    await assert.rejects(
      loadRewardModel(join(dir, 'm')),
      (e: unknown) => e instanceof ModelFolderError && /uncertainty\.safetensors.*remove "uncertainty"/.test(e.message),
    )
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
