/**
 * Bad input never crashes the server and never gets a 500: each case below asserts its status, its
 * message and the field it names, and the server still answers a good request afterwards.
 */
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { hashingModel } from '../../test/browser/hashing-model.ts'
import { buildServer } from './app.ts'

const app = buildServer(hashingModel(), { maxItems: 4, maxChars: 100, maxBodyBytes: 4096, featurizeWorkers: 0 })
after(() => app.close())

interface BadCase {
  name: string
  url?: string
  method?: 'POST' | 'GET' | 'PUT'
  /** An object is sent as JSON; a string is sent raw. */
  body?: unknown
  contentType?: string
  status: number
  message: RegExp
  field?: string | null
}

const pair = { prompt: 'p', response: 'r' }
const cases: BadCase[] = [
  { name: 'malformed JSON', body: '{"items": [', status: 400, message: /^malformed JSON: .*JSON/, field: null },
  {
    name: 'NaN literal',
    body: '{"items": [{"prompt": NaN, "response": "r"}]}',
    status: 400,
    message: /malformed JSON.*NaN and Infinity are not JSON/,
  },
  {
    name: 'Infinity literal',
    url: '/v1/rank',
    body: '{"prompt": "p", "responses": ["a"], "top_k": Infinity}',
    status: 400,
    message: /malformed JSON/,
  },
  {
    name: 'number overflowing to Infinity',
    url: '/v1/rank',
    body: '{"prompt": "p", "responses": ["a"], "top_k": 1e400}',
    status: 400,
    message: /top_k must be a finite number, got Infinity/,
    field: 'top_k',
  },
  { name: 'empty body', body: '', status: 400, message: /request body is empty/ },
  { name: 'whitespace body', body: '  \n ', status: 400, message: /request body is empty/ },
  { name: 'array body', body: [pair], status: 400, message: /must be a JSON object, got an array/ },
  { name: 'string body', body: '"hello"', status: 400, message: /must be a JSON object, got string/ },
  { name: 'null body', body: 'null', status: 400, message: /must be a JSON object, got null/ },
  { name: 'missing items', body: {}, status: 400, message: /^items is required \(expected array\)$/, field: 'items' },
  {
    name: 'items is an object',
    body: { items: pair },
    status: 400,
    message: /^items must be an array, got object$/,
    field: 'items',
  },
  { name: 'empty items', body: { items: [] }, status: 400, message: /^items must not be empty$/, field: 'items' },
  {
    name: 'item missing response',
    body: { items: [pair, { prompt: 'p' }] },
    status: 400,
    message: /items\[1\]\.response is required/,
    field: 'items[1].response',
  },
  {
    name: 'prompt is a number',
    body: { items: [{ prompt: 3, response: 'r' }] },
    status: 400,
    message: /items\[0\]\.prompt must be a string, got number/,
    field: 'items[0].prompt',
  },
  {
    name: 'response is null',
    body: { items: [{ prompt: 'p', response: null }] },
    status: 400,
    message: /must be a string, got null/,
    field: 'items[0].response',
  },
  {
    name: 'item is a string',
    body: { items: ['p r'] },
    status: 400,
    message: /items\[0\] must be an object, got string/,
    field: 'items[0]',
  },
  {
    name: 'misspelled item field (unknown fields are ignored, so the real one is missing)',
    body: { items: [{ prompt: 'p', respons: 'r' }] },
    status: 400,
    message: /items\[0\]\.response is required/,
    field: 'items[0].response',
  },
  {
    name: 'nesting 100 levels deep',
    body: `{"items": ${'['.repeat(100)}${']'.repeat(100)}}`,
    status: 400,
    message: /nested deeper than 64 levels/,
  },
  {
    name: '1000 bad entries (the limit is checked before validation)',
    body: { items: new Array(1000).fill(1) },
    status: 413,
    message: /items has 1000 entries, more than the limit of 4/,
    field: 'items',
  },
  {
    name: 'too many items',
    body: { items: [pair, pair, pair, pair, pair] },
    status: 413,
    message: /items has 5 entries, more than the limit of 4; .*--max-items/,
    field: 'items',
  },
  {
    name: 'text too long',
    body: { items: [{ prompt: 'p', response: 'x'.repeat(101) }] },
    status: 413,
    message: /items\[0\]\.response has 101 characters, more than the limit of 100; .*--max-chars/,
    field: 'items[0].response',
  },
  {
    name: 'body too large',
    body: { items: [{ prompt: 'p', response: 'x'.repeat(5000) }] },
    status: 413,
    message: /larger than the limit.*--max-body-bytes/,
  },
  {
    name: 'text/plain body',
    body: 'items',
    contentType: 'text/plain',
    status: 415,
    message: /Content-Type: application\/json/,
  },
  {
    name: 'form body',
    body: 'a=1',
    contentType: 'application/x-www-form-urlencoded',
    status: 415,
    message: /unsupported content type/,
  },
  {
    name: 'get_reward: empty query',
    url: '/get_reward',
    body: { query: [] },
    status: 400,
    message: /^query must not be empty$/,
    field: 'query',
  },
  {
    name: 'get_reward: query entry is a number',
    url: '/get_reward',
    body: { query: ['a', 2] },
    status: 400,
    message: /query\[1\] must be a string, got number/,
    field: 'query[1]',
  },
  {
    name: 'get_reward: prompts length mismatch',
    url: '/get_reward',
    body: { query: ['pa', 'pb'], prompts: ['p'] },
    status: 400,
    message: /prompts has 1 entries but query has 2/,
    field: 'prompts',
  },

  {
    name: 'get_reward: queries instead of query',
    url: '/get_reward',
    body: { queries: ['a'] },
    status: 400,
    message: /^query is required/,
    field: 'query',
  },
  {
    name: 'get_reward: too many queries',
    url: '/get_reward',
    body: { query: ['a', 'b', 'c', 'd', 'e'] },
    status: 413,
    message: /query has 5 entries/,
    field: 'query',
  },
  {
    name: 'rank: missing prompt',
    url: '/v1/rank',
    body: { responses: ['a'] },
    status: 400,
    message: /^prompt is required \(expected string\)$/,
    field: 'prompt',
  },
  {
    name: 'rank: empty responses',
    url: '/v1/rank',
    body: { prompt: 'p', responses: [] },
    status: 400,
    message: /responses must not be empty/,
    field: 'responses',
  },
  {
    name: 'rank: top_k 0',
    url: '/v1/rank',
    body: { prompt: 'p', responses: ['a'], top_k: 0 },
    status: 400,
    message: /^top_k must be >= 1$/,
    field: 'top_k',
  },
  {
    name: 'rank: top_k 2.5',
    url: '/v1/rank',
    body: { prompt: 'p', responses: ['a'], top_k: 2.5 },
    status: 400,
    message: /top_k must be an integer, got 2.5/,
    field: 'top_k',
  },
  {
    name: 'rank: top_k as a string',
    url: '/v1/rank',
    body: { prompt: 'p', responses: ['a'], top_k: '2' },
    status: 400,
    message: /top_k must be a number, got string/,
    field: 'top_k',
  },

  {
    name: 'rank: prompt too long',
    url: '/v1/rank',
    body: { prompt: 'p'.repeat(101), responses: ['a'] },
    status: 413,
    message: /^prompt has 101 characters/,
    field: 'prompt',
  },
  { name: 'GET on a POST route', method: 'GET', status: 404, message: /no route GET \/v1\/score/ },
  {
    name: 'unknown path',
    url: '/v2/score',
    body: { items: [pair] },
    status: 404,
    message: /no route POST \/v2\/score/,
  },
]

for (const c of cases) {
  test(`bad input: ${c.name} → ${c.status}`, async () => {
    const raw = typeof c.body === 'string'
    const res = await app.inject({
      method: c.method ?? 'POST',
      url: c.url ?? '/v1/score',
      ...(c.body === undefined ? {} : { payload: raw ? (c.body as string) : JSON.stringify(c.body) }),
      headers: c.body === undefined ? {} : { 'content-type': c.contentType ?? 'application/json' },
    })
    assert.equal(res.statusCode, c.status, `${c.name}: status ${res.statusCode}, body ${res.body}`)
    const body = res.json() as { error: { message: string; field: string | null } }
    assert.deepEqual(Object.keys(body), ['error'], c.name)
    assert.match(body.error.message, c.message, `${c.name}: ${body.error.message}`)
    if (c.field !== undefined) assert.equal(body.error.field, c.field, `${c.name}: field`)
    assert.ok(body.error.field === null || typeof body.error.field === 'string')
  })
}

test(`after ${cases.length} bad inputs the server still scores, and answered none with a 5xx`, async () => {
  assert.ok(cases.length >= 25)
  const ok = await app.inject({ method: 'POST', url: '/v1/score', payload: { items: [pair] } })
  assert.equal(ok.statusCode, 200)
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
  assert.doesNotMatch(metrics, /status="5\d\d"/)
})
