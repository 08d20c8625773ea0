import assert from 'node:assert/strict'
import { test } from 'node:test'
import { hashingModel } from '../../test/browser/hashing-model.ts'
import { decodeSafetensors } from '../core/safetensors.ts'
import { buildServer } from './app.ts'

const items = [
  { prompt: 'What is 2 + 2?', response: 'Four.' },
  { prompt: 'Name a colour.', response: 'Four.' },
  { prompt: 'What is 2 + 2?', response: 'It is 4.' },
]

test('the server merges with the model’s gating merge on /v1/score, /get_reward and /v1/rank', async () => {
  const model = hashingModel({ merge: 'gating' })
  const want = await model.score(items)
  const app = buildServer(model, { featurizeWorkers: 0 })
  try {
    const score = (await app.inject({ method: 'POST', url: '/v1/score', payload: { items } })).json()
    for (const [i, r] of (score.rewards as number[]).entries()) assert.ok(Math.abs(r - want.rewards[i]) < 1e-9)
    const query = items.map((p) => p.prompt + p.response)
    const prompts = items.map((p) => p.prompt)
    const gr = (await app.inject({ method: 'POST', url: '/get_reward', payload: { query, prompts } })).json()
    for (const [i, r] of (gr.rewards as number[]).entries()) assert.ok(Math.abs(r - want.rewards[i]) < 1e-9)
    const rank = (
      await app.inject({
        method: 'POST',
        url: '/v1/rank',
        payload: { prompt: items[0].prompt, responses: [items[0].response, items[2].response] },
      })
    ).json()
    for (const r of rank.ranking) {
      const i = r.index === 0 ? 0 : 2
      assert.ok(Math.abs(r.reward - want.rewards[i]) < 1e-9)
    }
    const card = (await app.inject({ method: 'GET', url: '/v1/model' })).json()
    assert.equal(card.merge.type, 'gating')
    const file = (await app.inject({ method: 'GET', url: '/v1/model/files/head.safetensors' })).rawPayload
    const names = Object.keys(decodeSafetensors(new Uint8Array(file)).tensors)
    assert.ok(names.includes('merge.gate.0.weight'))
  } finally {
    await app.close()
  }
})
