import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { hashingModel } from '../../test/browser/hashing-model.ts'
import { decodeSafetensors } from '../core/safetensors.ts'
import { buildServer } from './app.ts'

const model = hashingModel()
// In-process featurizing here; the worker pool has its own test below.
const app = buildServer(model, { featurizeWorkers: 0 })
after(() => app.close())

const items = [
  { prompt: 'How do I boil an egg?', response: 'Put it in boiling water for about nine minutes, then cool it.' },
  { prompt: 'How do I boil an egg?', response: 'no idea' },
  { prompt: 'Name a prime.', response: 'Seven is a prime number.' },
]

const close = (a: number, b: number, tol = 1e-9): boolean => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b))

test('POST /v1/score returns rewards and named scores in item order, equal to RewardModel.score', async () => {
  const res = await app.inject({ method: 'POST', url: '/v1/score', payload: { items } })
  assert.equal(res.statusCode, 200)
  const body = res.json() as { rewards: number[]; scores: Record<string, number>[] }
  const ref = await model.score(items)
  assert.equal(body.rewards.length, 3)
  body.rewards.forEach((r, i) => {
    assert.ok(close(r, ref.rewards[i], 1e-6), `reward ${i}: ${r} vs ${ref.rewards[i]}`)
  })
  assert.deepEqual(Object.keys(body.scores[0]), ['helpfulness', 'coherence', 'verbosity'])
  // reward = Σ w_a · score_a
  body.scores.forEach((s, i) => {
    assert.ok(close(0.6 * s.helpfulness + 0.4 * s.coherence - 0.1 * s.verbosity, body.rewards[i], 1e-12))
  })
  assert.notEqual(body.rewards[0], body.rewards[1])
})

test('POST /get_reward strips the prompt prefix, or scores the whole query without prompts', async () => {
  const withPrompts = await app.inject({
    method: 'POST',
    url: '/get_reward',
    payload: {
      query: items.map((it) => it.prompt + it.response),
      prompts: items.map((it) => it.prompt),
      labels: ['a', 'b', 'c'],
    },
  })
  assert.equal(withPrompts.statusCode, 200)
  const a = withPrompts.json() as { rewards: number[]; scores: number[] }
  const ref = await model.score(items)
  a.rewards.forEach((r, i) => {
    assert.ok(close(r, ref.rewards[i], 1e-6))
  })
  assert.deepEqual(a.scores, a.rewards)

  const whole = await app.inject({ method: 'POST', url: '/get_reward', payload: { query: ['Just a response.'] } })
  const refWhole = await model.score([{ prompt: '', response: 'Just a response.' }])
  assert.ok(close(whole.json().rewards[0], refWhole.rewards[0], 1e-6))
})

test('POST /v1/rank sorts by reward, keeps indices and honours top_k', async () => {
  const responses = items.map((it) => it.response)
  const res = await app.inject({
    method: 'POST',
    url: '/v1/rank',
    payload: { prompt: 'How do I boil an egg?', responses },
  })
  assert.equal(res.statusCode, 200)
  const { ranking } = res.json() as {
    ranking: { rank: number; index: number; response: string; reward: number; scores: Record<string, number> }[]
  }
  assert.equal(ranking.length, 3)
  assert.deepEqual(
    ranking.map((r) => r.rank),
    [1, 2, 3],
  )
  for (let i = 1; i < ranking.length; i++) assert.ok(ranking[i - 1].reward >= ranking[i].reward)
  assert.deepEqual(ranking.map((r) => r.index).sort(), [0, 1, 2])
  for (const r of ranking) assert.equal(r.response, responses[r.index])
  const ref = await model.score(responses.map((response) => ({ prompt: 'How do I boil an egg?', response })))
  for (const r of ranking) assert.ok(close(r.reward, ref.rewards[r.index], 1e-6))

  const top = await app.inject({
    method: 'POST',
    url: '/v1/rank',
    payload: { prompt: 'How do I boil an egg?', responses, top_k: 2 },
  })
  assert.deepEqual(top.json().ranking, ranking.slice(0, 2))
  const more = await app.inject({
    method: 'POST',
    url: '/v1/rank',
    payload: { prompt: 'How do I boil an egg?', responses, top_k: 10 },
  })
  assert.equal(more.json().ranking.length, 3)
})

test('GET /v1/model gives attributes, weights, scales, backbone and training metrics', async () => {
  const res = await app.inject({ method: 'GET', url: '/v1/model' })
  assert.equal(res.statusCode, 200)
  const card = res.json()
  assert.deepEqual(card.attributes, ['helpfulness', 'coherence', 'verbosity'])
  assert.deepEqual(card.weights, [0.6, 0.4, -0.1])
  assert.deepEqual(card.scales[0], { min: 1, max: 5 })
  assert.equal(card.scales[2], null)
  // Null scale → mean ± 3 std for the bars.
  assert.deepEqual(card.display_scales[2], { min: 0.5 - 0.75, max: 0.5 + 0.75, source: 'estimated' })
  assert.equal(card.backbone.type, 'hashing')
  assert.equal(card.backbone.dim, 512)
  assert.equal(card.metrics.val.rmse, 0.71)
  // Negative weight takes the scale's top end for the reward's minimum.
  assert.ok(close(card.reward_scale.min, 0.6 * 1 + 0.4 * 0 - 0.1 * 1.25))
})

test('GET /v1/model/files returns config.json and head.safetensors that rebuild the same head', async () => {
  const c = await app.inject({ method: 'GET', url: '/v1/model/files/config.json' })
  assert.deepEqual(c.json(), JSON.parse(JSON.stringify(model.config)))
  const h = await app.inject({ method: 'GET', url: '/v1/model/files/head.safetensors' })
  assert.equal(h.headers['content-type'], 'application/octet-stream')
  const params = decodeSafetensors(new Uint8Array(h.rawPayload)).tensors
  assert.deepEqual(Object.keys(params).sort(), Object.keys(model.head.params).sort())
  for (const [name, t] of Object.entries(model.head.params)) {
    assert.deepEqual(params[name].shape, t.shape)
    assert.deepEqual(params[name].data, t.data)
  }
})

test('GET /healthz, GET / and the page script', async () => {
  assert.deepEqual((await app.inject({ method: 'GET', url: '/healthz' })).json(), { status: 'ok' })
  const page = await app.inject({ method: 'GET', url: '/' })
  assert.equal(page.statusCode, 200)
  assert.match(page.headers['content-type'] as string, /text\/html/)
  assert.match(page.body, /<script src="\/assets\/rewardfit-page.js">/)
  // Self-contained: nothing is loaded from another origin.
  assert.doesNotMatch(page.body, /(src|href)="https?:/)
  const js = await app.inject({ method: 'GET', url: '/assets/rewardfit-page.js' })
  assert.equal(js.statusCode, 200)
  assert.match(js.headers['content-type'] as string, /javascript/)
  assert.doesNotMatch(js.body, /onnxruntime-node|require\(["']|from ?["']node:/)
  assert.match(js.body, /score-local/)
})

test('GET /metrics counts requests, errors and items, with a latency histogram', async () => {
  const m = buildServer(model, { featurizeWorkers: 0 })
  await m.inject({ method: 'POST', url: '/v1/score', payload: { items } })
  await m.inject({ method: 'POST', url: '/v1/score', payload: { items: [] } })
  await m.inject({ method: 'POST', url: '/v1/rank', payload: { prompt: 'x', responses: ['a', 'b'] } })
  const text = (await m.inject({ method: 'GET', url: '/metrics' })).body
  await m.close()
  assert.match(text, /^rewardfit_requests_total\{route="\/v1\/score",status="200"\} 1$/m)
  assert.match(text, /^rewardfit_requests_total\{route="\/v1\/score",status="400"\} 1$/m)
  assert.match(text, /^rewardfit_errors_total\{route="\/v1\/score",status="400"\} 1$/m)
  assert.match(text, /^rewardfit_items_total\{route="\/v1\/score"\} 3$/m)
  assert.match(text, /^rewardfit_items_total\{route="\/v1\/rank"\} 2$/m)
  assert.match(text, /^rewardfit_request_duration_seconds_bucket\{route="\/v1\/score",le="\+Inf"\} 2$/m)
  assert.match(text, /^rewardfit_request_duration_seconds_count\{route="\/v1\/score"\} 2$/m)
  assert.match(text, /^# TYPE rewardfit_request_duration_seconds histogram$/m)
  assert.match(text, /^rewardfit_batch_items_count 2$/m)
})

test('--api-key: every route but /healthz needs the Bearer key', async () => {
  const secured = buildServer(model, { apiKey: 's3cret-key', featurizeWorkers: 0 })
  after(() => secured.close())
  const score = { method: 'POST' as const, url: '/v1/score', payload: { items } }
  const none = await secured.inject(score)
  assert.equal(none.statusCode, 401)
  assert.match(none.json().error.message, /Authorization: Bearer/)
  assert.equal(none.json().error.field, 'authorization')
  assert.equal(none.headers['www-authenticate'], 'Bearer')
  const wrong = await secured.inject({ ...score, headers: { authorization: 'Bearer nope' } })
  assert.equal(wrong.statusCode, 401)
  assert.match(wrong.json().error.message, /wrong API key/)
  const basic = await secured.inject({ ...score, headers: { authorization: 'Basic czNjcmV0LWtleQ==' } })
  assert.equal(basic.statusCode, 401)
  const ok = await secured.inject({ ...score, headers: { authorization: 'Bearer s3cret-key' } })
  assert.equal(ok.statusCode, 200)
  for (const url of ['/', '/v1/model', '/metrics', '/v1/model/files/head.safetensors', '/nope']) {
    assert.equal((await secured.inject({ method: 'GET', url })).statusCode, 401, url)
  }
  assert.equal((await secured.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
})

test('buildServer validates its options once', () => {
  assert.throws(() => buildServer(model, { maxItems: 0 }), /invalid maxItems: 0; expected a positive integer/)
  assert.throws(() => buildServer(model, { batchWaitMs: -1 }), /batchWaitMs/)
  assert.throws(() => buildServer(model, { apiKey: '' }), /apiKey/)
})

test('featurizing on worker threads gives the same scores as in-process', async () => {
  const pooled = buildServer(model, { featurizeWorkers: 2, batchWaitMs: 10 })
  after(() => pooled.close())
  const many = Array.from({ length: 40 }, (_, i) => ({
    prompt: `Question ${i}?`,
    response: `Answer number ${i}, with ${'detail '.repeat(i % 5)}.`,
  }))
  // One 40-item request (split over both workers) and several small ones batched together.
  const [big, ...small] = await Promise.all([
    pooled.inject({ method: 'POST', url: '/v1/score', payload: { items: many } }),
    ...many.slice(0, 5).map((it) => pooled.inject({ method: 'POST', url: '/v1/score', payload: { items: [it] } })),
  ])
  const ref = await model.score(many, many.length)
  assert.equal(big.statusCode, 200)
  assert.deepEqual(big.json().rewards, Array.from(ref.rewards))
  small.forEach((r, i) => {
    assert.ok(close(r.json().rewards[0], ref.rewards[i], 1e-6))
  })
})
