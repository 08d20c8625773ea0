import assert from 'node:assert/strict'
import { test } from 'node:test'
import { hashingModel } from '../../test/browser/hashing-model.ts'
import type { TextPair } from '../featurize/featurizer.ts'
import type { Scored } from '../model/reward-model.ts'
import { buildServer, serverBatchStats } from './app.ts'
import { MicroBatcher } from './micro-batcher.ts'

/** A scorer whose outputs are a function of the text alone (reward = length, scores = [length, -length]). */
function lengthScorer(calls: number[]) {
  return async (pairs: TextPair[]): Promise<Scored> => {
    calls.push(pairs.length)
    const rewards = Float64Array.from(pairs, (p) => p.response.length)
    const scores = new Float64Array(pairs.length * 2)
    pairs.forEach((p, i) => {
      scores[2 * i] = p.response.length
      scores[2 * i + 1] = -p.response.length
    })
    return { rewards, scores }
  }
}

test('requests submitted together share one scorer call and get their own rows back, in order', async () => {
  const calls: number[] = []
  const b = new MicroBatcher(lengthScorer(calls), 2, { waitMs: 5, maxBatchItems: 100, maxInFlight: 2 })
  const reqs = [['a'], ['bb', 'ccc'], ['dddd', 'e', 'ff']].map((rs) => rs.map((response) => ({ prompt: '', response })))
  const out = await Promise.all(reqs.map((r) => b.submit(r)))
  assert.deepEqual(calls, [6])
  assert.deepEqual(Array.from(out[1].rewards), [2, 3])
  assert.deepEqual(Array.from(out[1].scores), [2, -2, 3, -3])
  assert.deepEqual(Array.from(out[2].rewards), [4, 1, 2])
  assert.deepEqual(b.stats, { batches: 1, items: 6, requests: 3 })
})

test('a batch closes at maxBatchItems; an oversized request is scored alone, unsplit', async () => {
  const calls: number[] = []
  const b = new MicroBatcher(lengthScorer(calls), 2, { waitMs: 50, maxBatchItems: 4, maxInFlight: 1 })
  const one = (n: number) => Array.from({ length: n }, (_, i) => ({ prompt: '', response: 'x'.repeat(i + 1) }))
  const out = await Promise.all([b.submit(one(2)), b.submit(one(2)), b.submit(one(3)), b.submit(one(9))])
  // 2+2 fills the first batch; 3 cannot join 9 (3+9 > 4), so 9 goes alone.
  assert.deepEqual(calls, [4, 3, 9])
  assert.deepEqual(Array.from(out[3].rewards), [1, 2, 3, 4, 5, 6, 7, 8, 9])
})

test('a failing scorer rejects every request of its batch, and the next batch still runs', async () => {
  let fail = true
  const b = new MicroBatcher(
    async (pairs) => {
      if (fail) throw new Error('backend down')
      return lengthScorer([])(pairs)
    },
    2,
    { waitMs: 1, maxBatchItems: 10, maxInFlight: 2 },
  )
  const p = { prompt: '', response: 'abc' }
  const r = await Promise.allSettled([b.submit([p]), b.submit([p])])
  assert.deepEqual(
    r.map((x) => x.status),
    ['rejected', 'rejected'],
  )
  fail = false
  assert.deepEqual(Array.from((await b.submit([p])).rewards), [3])
  await b.drain()
})

test('with maxInFlight 2, a second batch runs while the first is scored, and a third waits for a free slot', async () => {
  const calls: number[] = []
  let running = 0
  let most = 0
  const release: (() => void)[] = []
  const b = new MicroBatcher(
    async (pairs) => {
      running++
      most = Math.max(most, running)
      await new Promise<void>((r) => release.push(r))
      running--
      return lengthScorer(calls)(pairs)
    },
    2,
    { waitMs: 0, maxBatchItems: 1, maxInFlight: 2 },
  )
  const one = (s: string) => [{ prompt: '', response: s }]
  const out = [b.submit([...one('a'), ...one('bb')]), b.submit(one('ccc')), b.submit(one('dddd'))]
  while (release.length < 2) await new Promise((r) => setTimeout(r, 1))
  assert.equal(running, 2, 'two batches in flight')
  await new Promise((r) => setTimeout(r, 20))
  assert.equal(release.length, 2, 'the third waits while both slots are busy')
  release.shift()?.()
  while (release.length < 2) await new Promise((r) => setTimeout(r, 1))
  for (const r of release.splice(0)) r()
  const [x, y, z] = await Promise.all(out)
  assert.deepEqual(Array.from(x.rewards), [1, 2])
  assert.deepEqual(Array.from(y.rewards), [3])
  assert.deepEqual(Array.from(z.rewards), [4])
  assert.equal(most, 2)
  await b.drain()
})

test('200 parallel requests return the same numbers as 200 sequential ones, in far fewer model calls', async () => {
  const model = hashingModel()
  const texts = Array.from({ length: 200 }, (_, i) => ({
    prompt: `Question ${i % 7}: what is ${i} plus ${i * 3}?`,
    response: `${'It is '.repeat(1 + (i % 4))}${i * 4}, since ${i} + ${i * 3} = ${i * 4}.`,
  }))
  // Sequential requests featurized in-process; parallel ones on the worker pool.
  const sequentialApp = buildServer(model, { batchWaitMs: 0, featurizeWorkers: 0 })
  const sequential: number[][] = []
  for (const t of texts) {
    const res = await sequentialApp.inject({ method: 'POST', url: '/v1/score', payload: { items: [t] } })
    const body = res.json()
    sequential.push([body.rewards[0], ...Object.values(body.scores[0] as Record<string, number>)])
  }
  assert.equal(serverBatchStats(sequentialApp).batches, 200)
  await sequentialApp.close()

  const app = buildServer(model, { batchWaitMs: 20, featurizeWorkers: 2 })
  const parallel = await Promise.all(
    texts.map((t) => app.inject({ method: 'POST', url: '/v1/score', payload: { items: [t] } })),
  )
  const stats = serverBatchStats(app)
  await app.close()
  assert.equal(stats.requests, 200)
  assert.equal(stats.items, 200)
  assert.ok(stats.batches <= 20, `expected the 200 requests merged into a few batches, got ${stats.batches}`)
  parallel.forEach((res, i) => {
    assert.equal(res.statusCode, 200)
    const body = res.json()
    const got = [body.rewards[0], ...Object.values(body.scores[0] as Record<string, number>)]
    // A 1-row product runs on the float64-accumulating TypeScript gemm, a 200-row one on onnxruntime's
    // float32 gemm: equal to float32 rounding, not bit for bit.
    got.forEach((v, j) => {
      assert.ok(Math.abs(v - sequential[i][j]) < 1e-5, `request ${i}, value ${j}: ${v} vs ${sequential[i][j]}`)
    })
  })
  // Different texts got different rewards: the rows were not mixed up.
  assert.equal(new Set(parallel.map((r) => r.json().rewards[0])).size, 200)
})
