import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { loadRewardModel } from '../model/load-model.ts'
import type { RewardModel } from '../model/reward-model.ts'
import { trainRewardModel } from '../pipeline/train-reward-model.ts'
import { buildServer } from './app.ts'

// A model trained with --features length: the rating follows the side column more than the text.
let dir: string
let model: RewardModel
const servers: { app: FastifyInstance; url: string }[] = []
const errors: string[] = []
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rewardfit-serve-side-'))
  const rows = Array.from({ length: 60 }, (_, i) => ({
    prompt: `Question ${i % 6}?`,
    response: ['A short answer.', 'A longer, friendlier answer with detail.', 'no'][i % 3],
    length: (i * 7) % 11,
    score: ((i * 7) % 11) / 2.5 + (i % 3 === 1 ? 0.5 : 0),
  }))
  await writeFile(join(dir, 'ratings.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n'))
  await trainRewardModel({
    data: join(dir, 'ratings.jsonl'),
    out: join(dir, 'model'),
    dataOptions: { targetColumns: ['score'], featureColumns: ['length'] },
    backboneOptions: { dim: 256 },
  })
  model = await loadRewardModel(join(dir, 'model'))
  // Workers featurize the texts (the side features are appended after), or the main thread does.
  for (const featurizeWorkers of [2, 0]) {
    // A failing worker would be replaced by the main thread silently, so its log line is watched.
    const logger = { level: 'error', stream: { write: (line: string) => errors.push(line) } }
    const app = buildServer(model, { featurizeWorkers, batchWaitMs: 1, logger })
    servers.push({ app, url: await app.listen({ port: 0, host: '127.0.0.1' }) })
  }
})
after(async () => {
  for (const s of servers) await s.app.close()
  await rm(dir, { recursive: true, force: true })
})

const post = async (url: string, body: unknown) => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

const items = [
  { prompt: 'Question 1?', response: 'A short answer.', features: { length: 2 } },
  { prompt: 'Question 1?', response: 'A short answer.', features: { length: 9, unused: 1 } },
  { prompt: 'Question 2?', response: 'no', features: { length: 5 } },
]

/** /v1/score (a few items, then enough for two workers), /v1/rank and /get_reward give `ref`'s rewards. */
async function expectRoutes(url: string, ref: Float64Array): Promise<void> {
  const score = await post(`${url}/v1/score`, { items })
  assert.equal(score.status, 200, JSON.stringify(score.body))
  assert.deepEqual(score.body.rewards, Array.from(ref))
  const many = await post(`${url}/v1/score`, { items: [...items, ...items, ...items, ...items] })
  assert.deepEqual(many.body.rewards, [...ref, ...ref, ...ref, ...ref])

  const rank = await post(`${url}/v1/rank`, {
    prompt: 'Question 1?',
    responses: ['A short answer.', 'A short answer.'],
    features: [{ length: 2 }, { length: 9 }],
  })
  assert.equal(rank.status, 200, JSON.stringify(rank.body))
  for (const r of rank.body.ranking as { index: number; reward: number }[]) assert.equal(r.reward, ref[r.index])

  const reward = await post(`${url}/get_reward`, {
    query: items.map((it) => it.prompt + it.response),
    prompts: items.map((it) => it.prompt),
    features: items.map((it) => it.features),
  })
  assert.equal(reward.status, 200, JSON.stringify(reward.body))
  assert.deepEqual(reward.body.rewards, Array.from(ref))
}

test('/v1/score, /v1/rank and /get_reward read "features": {column: number} per item, as score does', async () => {
  const ref = await model.score(items.map((it) => ({ ...it, features: [it.features.length] })))
  assert.notEqual(ref.rewards[0], ref.rewards[1], 'the side feature moves the reward')
  for (const { url } of servers) await expectRoutes(url, ref.rewards)
  assert.deepEqual(errors, [], 'the workers featurized every batch')
})

test('a missing side feature is a 400 naming the item and the column, in the one error shape', async () => {
  const { url } = servers[0]
  const cases: [string, unknown, string][] = [
    ['/v1/score', { items: [items[0], { prompt: 'x', response: 'y' }] }, 'items[1].features.length'],
    ['/v1/score', { items: [{ prompt: 'x', response: 'y', features: { lenght: 3 } }] }, 'items[0].features.length'],
    ['/v1/rank', { prompt: 'x', responses: ['a', 'b'], features: [{ length: 1 }, {}] }, 'features[1].length'],
    ['/get_reward', { query: ['xy'], prompts: ['x'] }, 'features[0].length'],
  ]
  for (const [route, body, field] of cases) {
    const r = await post(`${url}${route}`, body)
    assert.equal(r.status, 400, `${route} ${JSON.stringify(r.body)}`)
    assert.deepEqual(Object.keys(r.body), ['error'])
    const error = r.body.error as { message: string; field: string }
    assert.equal(error.field, field)
    assert.ok(error.message.startsWith(`${field} is missing`), error.message)
    assert.match(
      error.message,
      /trained with --features length, so every item needs "features": \{"length": <number>\}/,
    )
  }
  const wrongType = await post(`${url}/v1/score`, {
    items: [{ prompt: 'x', response: 'y', features: { length: 'long' } }],
  })
  assert.equal(wrongType.status, 400)
  assert.equal((wrongType.body.error as { field: string }).field, 'items[0].features.length')
  const count = await post(`${url}/v1/rank`, { prompt: 'x', responses: ['a', 'b'], features: [{ length: 1 }] })
  assert.equal(count.status, 400)
  assert.equal((count.body.error as { field: string }).field, 'features')
})

test('a gating model with side features: every route scores as the library does, workers or not', async () => {
  // The gate reads the backbone's vector of (prompt, ""), the heads the backbone plus the side column.
  await trainRewardModel({
    data: join(dir, 'ratings.jsonl'),
    out: join(dir, 'gated'),
    dataOptions: { targetColumns: ['score'], featureColumns: ['length'] },
    backboneOptions: { dim: 256 },
    pairsFromRatings: true,
    merge: 'gating',
  })
  const gated = await loadRewardModel(join(dir, 'gated'))
  assert.equal(gated.merge.spec.type, 'gating')
  assert.equal(gated.promptFeaturizer.dim, 256)
  const ref = await gated.score(items.map((it) => ({ ...it, features: [it.features.length] })))
  const logs: string[] = []
  const logger = { level: 'error', stream: { write: (line: string) => logs.push(line) } }
  for (const featurizeWorkers of [2, 0]) {
    const app = buildServer(gated, { featurizeWorkers, batchWaitMs: 1, logger })
    try {
      await expectRoutes(await app.listen({ port: 0, host: '127.0.0.1' }), ref.rewards)
    } finally {
      await app.close()
    }
  }
  assert.deepEqual(logs, [], 'no worker failed')
})
