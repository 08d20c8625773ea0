/**
 * A reward never depends on its batch, through the server: concurrent requests that the
 * micro-batcher merges (and batch requests in any order) give every item the reward it gets
 * alone, bit for bit, for a linear and an MLP head at widths where the head's product runs on
 * onnxruntime.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildServer, serverBatchStats } from '../../src/serve/app.ts'
import { hashingModel } from '../browser/hashing-model.ts'

const items = Array.from({ length: 24 }, (_, i) => ({
  prompt: `Question ${i}: how should I store ${['bread', 'rice', 'coffee', 'honey'][i % 4]}?`,
  response: `${'Keep it dry and sealed. '.repeat(1 + (i % 5))}Answer number ${i}${i % 3 === 0 ? ', in a cool place.' : '.'}`,
}))

for (const [head, featurizeWorkers] of [
  ['linear', 0],
  ['mlp', undefined],
] as const) {
  test(`server, ${head} head: concurrent and batched requests score each item as it scores alone`, async () => {
    const model = hashingModel({ dim: 4096, head })
    const alone: number[] = []
    for (const it of items) alone.push((await model.score([it])).rewards[0])
    assert.ok(new Set(alone).size > 20, 'the items get different rewards')

    const app = buildServer(model, { featurizeWorkers })
    try {
      const post = (payload: Record<string, unknown>, url = '/v1/score') => app.inject({ method: 'POST', url, payload })
      const reversed = [...items].reverse()
      const [singles, batch, back, openrlhf] = await Promise.all([
        Promise.all(items.map((it) => post({ items: [it] }))),
        post({ items }),
        post({ items: reversed }),
        post(
          { query: items.map((it) => it.prompt + it.response), prompts: items.map((it) => it.prompt) },
          '/get_reward',
        ),
      ])
      for (const r of [...singles, batch, back, openrlhf]) assert.equal(r.statusCode, 200, r.body)
      singles.forEach((r, i) => {
        assert.equal(r.json().rewards[0], alone[i], `item ${i} in a concurrent single-item request`)
      })
      assert.deepEqual(batch.json().rewards, alone)
      assert.deepEqual(back.json().rewards, [...alone].reverse())
      assert.deepEqual(openrlhf.json().rewards, alone)
      // The concurrent requests really were merged into shared scorer calls.
      const stats = serverBatchStats(app)
      assert.ok(stats.batches < stats.requests, `${stats.batches} scorer calls for ${stats.requests} requests`)
    } finally {
      await app.close()
    }
  })
}
