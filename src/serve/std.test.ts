import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ridgeModel } from '../../test/helpers/ridge-model.ts'
import { decodeSafetensors } from '../core/safetensors.ts'
import { buildServer } from './app.ts'

test('with a model that has uncertainty, /v1/score, /get_reward and /v1/rank return the std', async () => {
  const { model, pairs } = await ridgeModel()
  const app = buildServer(model, { featurizeWorkers: 0 })
  try {
    const items = pairs.slice(0, 3)
    const direct = await model.score(items)
    const score = (await app.inject({ method: 'POST', url: '/v1/score', payload: { items } })).json()
    assert.deepEqual(score.std, Array.from(direct.std as Float64Array))
    assert.deepEqual(Object.keys(score.scores_std[0]), model.attributes)
    const rlhf = (
      await app.inject({
        method: 'POST',
        url: '/get_reward',
        payload: { query: items.map((p) => p.prompt + p.response), prompts: items.map((p) => p.prompt) },
      })
    ).json()
    // OpenRLHF reads rewards; std is an extra field beside them.
    assert.equal(rlhf.rewards.length, 3)
    assert.equal(rlhf.std.length, 3)
    const rank = await app.inject({
      method: 'POST',
      url: '/v1/rank',
      payload: { prompt: items[0].prompt, responses: items.map((p) => p.response), by: 'lcb' },
    })
    assert.equal(rank.statusCode, 200)
    const ranking = rank.json().ranking
    for (let i = 1; i < ranking.length; i++) assert.ok(ranking[i - 1].lcb >= ranking[i].lcb)
    const bad = await app.inject({
      method: 'POST',
      url: '/v1/rank',
      payload: { prompt: 'p', responses: ['a'], by: 'upper' },
    })
    assert.equal(bad.statusCode, 400)
    const file = await app.inject({ method: 'GET', url: '/v1/model/files/uncertainty.safetensors' })
    assert.equal(file.statusCode, 200)
    assert.ok(Object.keys(decodeSafetensors(new Uint8Array(file.rawPayload)).tensors).length > 0)
  } finally {
    await app.close()
  }
})
