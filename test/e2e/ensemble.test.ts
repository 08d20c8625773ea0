/**
 * --ensemble end to end: demo ratings → hashing → three linear members (AdamW, different seeds,
 * bootstrap resamples) → one model folder. The reward is the members' mean, the std their spread
 * plus the validation noise; the folder reloads to the same numbers, and the same seed retrains to
 * the same bytes.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { DEMO_ATTRIBUTES } from '../../src/demo/rubric.ts'
import { demoDataOptions, writeDemoDataset } from '../../src/demo/write.ts'
import type { EnsembleUncertainty } from '../../src/model/ensemble-uncertainty.ts'
import { loadRewardModel } from '../../src/model/load-model.ts'
import { selectFromPool } from '../../src/pipeline/select-pool.ts'
import { trainRewardModel } from '../../src/pipeline/train-reward-model.ts'

test('--ensemble 3 --bootstrap: mean of the members, spread as std, one folder that reloads and retrains bit for bit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rewardfit-ens-'))
  try {
    const data = join(dir, 'train.jsonl')
    await writeDemoDataset(data, { prompts: 60, seed: 4 })
    const run = (out: string) =>
      trainRewardModel({
        data,
        out: join(dir, out),
        dataOptions: demoDataOptions(),
        split: { valFraction: 0.2, testFraction: 0.2, seed: 1 },
        backboneOptions: { dim: 256 },
        head: 'linear',
        training: { epochs: 4, lr: 1e-2, patience: 0 },
        ensemble: { members: 3, bootstrap: true },
      })
    const { model, metrics } = await run('a')
    const u = model.uncertainty as EnsembleUncertainty
    assert.equal(u.kind, 'ensemble')
    assert.equal(u.spec.members, 3)
    const pairs = [
      { prompt: 'Where is my order?', response: 'You can track it under Orders, with the tracking number.' },
      { prompt: 'Can I return shoes?', response: 'zzz qqq' },
    ]
    const x = { rows: 2, cols: 256, data: await model.featurizer.featurize(pairs) }
    const members = await u.memberScores(x)
    const s = await model.score(pairs)
    const k = DEMO_ATTRIBUTES.length
    for (let i = 0; i < 2 * k; i++) {
      const mean = (members[0][i] + members[1][i] + members[2][i]) / 3
      assert.ok(Math.abs(s.scores[i] - mean) < 1e-9)
      assert.ok((s.scoresStd as Float64Array)[i] > 0)
    }
    assert.notDeepEqual(members[0], members[1], 'members differ (seeds, resamples)')
    assert.ok(metrics.test?.intervals?.reward, 'train reports test coverage')
    const loaded = await loadRewardModel(join(dir, 'a'))
    assert.deepEqual(await loaded.score(pairs), s)
    // select --strategy greedy works on an ensemble (it used to refuse), deterministically.
    const pool = join(dir, 'pool.jsonl')
    const replies = ['zzz qqq', 'zzz qqq!', 'zzz qqq?', 'Track it under Orders.', 'Sorry, we cannot help.', 'ok']
    writeFileSync(pool, replies.map((r) => JSON.stringify({ prompt: 'Where is my order?', response: r })).join('\n'))
    const select = () => selectFromPool(loaded, pool, { budget: 3, strategy: 'greedy', labelled: [] })
    const first = await select()
    assert.equal(first.picks.length, 3)
    assert.match(first.picks[0].reason, /greedy pick/)
    assert.deepEqual((await select()).picks, first.picks)
    await run('b')
    for (const f of ['head.safetensors', 'uncertainty.safetensors']) {
      assert.deepEqual(readFileSync(join(dir, 'b', f)), readFileSync(join(dir, 'a', f)), `${f} is bit-identical`)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
