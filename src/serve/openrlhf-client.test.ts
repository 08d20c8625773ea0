/**
 * POST /get_reward over real HTTP, sent byte for byte as OpenRLHF's reward client sends it
 * (SingleTurnAgentExecutor._fetch_rewards_via_http in openrlhf/utils/agent.py): aiohttp's
 * `session.post(url, json={"query": [q], "prompts": [p], "labels": [l]})` — Python's json.dumps
 * (", " and ": " separators, non-ASCII as \uXXXX escapes) with aiohttp's default headers — and read
 * as that client reads it: raise_for_status(), then .json() (which needs application/json), then
 * "rewards", "scores" and "extra_logs".
 */
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { after, before, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { hashingModel } from '../../test/browser/hashing-model.ts'
import { buildServer } from './app.ts'

/** Python's json.dumps(obj) with its defaults (ensure_ascii=True, separators (', ', ': ')). */
function pyJsonDumps(v: unknown): string {
  if (v === null) return 'null'
  if (typeof v === 'string')
    return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  if (typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v)
  if (Array.isArray(v)) return `[${v.map(pyJsonDumps).join(', ')}]`
  return `{${Object.entries(v as object)
    .map(([k, x]) => `${pyJsonDumps(k)}: ${pyJsonDumps(x)}`)
    .join(', ')}}`
}

interface ClientAnswer {
  status: number
  contentType: string
  json: { rewards: number[]; scores: number[]; extra_logs: Record<string, number[]> }
}

/** One request as aiohttp 3.x sends it. */
function openrlhfPost(url: string, payload: unknown): Promise<ClientAnswer> {
  const body = Buffer.from(pyJsonDumps(payload), 'utf8')
  const u = new URL(url)
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: {
          Host: u.host,
          Accept: '*/*',
          'Accept-Encoding': 'gzip, deflate',
          'User-Agent': 'Python/3.11 aiohttp/3.9.5',
          'Content-Length': String(body.length),
          'Content-Type': 'application/json',
        },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          const contentType = String(res.headers['content-type'] ?? '')
          try {
            resolve({ status: res.statusCode ?? 0, contentType, json: JSON.parse(text) })
          } catch (err) {
            reject(new Error(`not JSON (${res.statusCode}): ${text}`, { cause: err }))
          }
        })
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

const model = hashingModel()
let app: FastifyInstance
let url: string
before(async () => {
  app = buildServer(model, { featurizeWorkers: 1 })
  url = `${await app.listen({ host: '127.0.0.1', port: 0 })}/get_reward`
})
after(() => app.close())

const prompt =
  '<|im_start|>system\nYou are a careful translator.<|im_end|>\n<|im_start|>user\nTranslate into English: «Der schnelle braune Fuchs springt über den faulen Hund, und die Katze schläft.»<|im_end|>\n<|im_start|>assistant\n'
const response = 'The quick brown fox jumps over the lazy dog, and the cat sleeps.<|im_end|>'

/** What a left truncation at a token boundary plus decode gives: the prompt from `at` on. */
const cutPrompt = (at: string) => prompt.slice(prompt.indexOf(at))

async function reference(pairs: { prompt: string; response: string }[]): Promise<number[]> {
  return Array.from((await model.score(pairs, pairs.length)).rewards)
}

test('OpenRLHF client: full and left-truncated queries score (prompts[i], response); labels are ignored', async () => {
  for (const query of [prompt + response, cutPrompt('Translate') + response, cutPrompt('über') + response]) {
    const res = await openrlhfPost(url, { query: [query], prompts: [prompt], labels: [null] })
    assert.equal(res.status, 200, JSON.stringify(res.json))
    assert.match(res.contentType, /^application\/json/)
    const [ref] = await reference([{ prompt, response }])
    // The client reads these three keys (agent.py): reward, scores or rewards, extra_logs or {}.
    assert.deepEqual(res.json.rewards, [ref])
    assert.deepEqual(res.json.scores, [ref])
    assert.deepEqual(Object.keys(res.json.extra_logs), [...model.attributes, 'prompt_not_found'])
    assert.deepEqual(res.json.extra_logs.prompt_not_found, [0])
    const merged = model.config.attributeWeights.reduce(
      (s, w, a) => s + w * res.json.extra_logs[model.attributes[a]][0],
      0,
    )
    assert.ok(Math.abs(merged - ref) < 1e-9)
  }
})

test('OpenRLHF client: a decode round trip that changed whitespace, special tokens and a cut character still splits', async () => {
  // SentencePiece dropped the first kept token's leading space; the cut fell inside "ü" (U+FFFD);
  // skip_special_tokens=True removed the chat markers.
  const query = `\uFFFDber den faulen Hund, und die Katze schläft.»\nassistant\n${response}`
  const res = await openrlhfPost(url, { query: [query], prompts: [prompt], labels: ['x'] })
  assert.equal(res.status, 200)
  assert.deepEqual(res.json.rewards, await reference([{ prompt, response }]))
  assert.deepEqual(res.json.extra_logs.prompt_not_found, [0])
})

test('OpenRLHF client: no split found → the documented fallback (the whole query is the response), never a 4xx', async () => {
  const query = 'An answer whose prompt is nowhere in it.'
  const res = await openrlhfPost(url, { query: [query], prompts: [prompt], labels: [{ any: 'label' }] })
  assert.equal(res.status, 200)
  assert.deepEqual(res.json.rewards, await reference([{ prompt, response: query }]))
  assert.deepEqual(res.json.extra_logs.prompt_not_found, [1])
  const metrics = await (await fetch(new URL('/metrics', url))).text()
  assert.match(metrics, /^rewardfit_prompt_not_found_total 1$/m)
})

test('OpenRLHF client: several queries at once, unknown fields ignored on every route', async () => {
  const queries = [prompt + response, cutPrompt('Fuchs') + response, 'unrelated']
  const res = await openrlhfPost(url, {
    query: queries,
    prompts: [prompt, prompt, prompt],
    labels: [1, 2, 3],
    n_samples_per_prompt: 4,
  })
  assert.equal(res.status, 200)
  assert.equal(res.json.rewards.length, 3)
  assert.deepEqual(res.json.extra_logs.prompt_not_found, [0, 0, 1])
  for (const list of Object.values(res.json.extra_logs)) assert.equal(list.length, 3)
  const base = new URL('/', url)
  const score = await fetch(new URL('/v1/score', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ items: [{ prompt: 'p', response: 'r', id: 7 }], client: 'x', __proto__x: 1 }),
  })
  assert.equal(score.status, 200)
  const rank = await fetch(new URL('/v1/rank', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"prompt": "p", "responses": ["a", "b"], "topK": 1, "__proto__": {"admin": true}}',
  })
  assert.equal(rank.status, 200)
  assert.equal(((await rank.json()) as { ranking: unknown[] }).ranking.length, 2)
})
