/**
 * SIGTERM under load, in a child process, several times: 100 heavy requests (32 items each) are
 * sent at once on their own connections, and SIGTERM arrives as soon as the last one is written,
 * while most wait in the server's accept queue or its micro-batcher. Every request must get its 200
 * with 32 rewards (no ECONNRESET, no 503), and the process must exit 0.
 */
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { test } from 'node:test'
import { root, serverChild } from '../../test/helpers/server-child.ts'

const child = `
import { buildServer } from '${root}src/serve/app.ts'
import { serveUntilSignal } from '${root}src/serve/listen.ts'
import { hashingModel } from '${root}test/browser/hashing-model.ts'
const app = buildServer(hashingModel({ dim: 4096 }), { featurizeWorkers: 1 })
await serveUntilSignal(app, { host: '127.0.0.1', port: 0, onListening: (url) => process.stdout.write('listening ' + url + '\\n') })
process.stdout.write('closed\\n')
`

const words = 'the quick brown fox jumps over a lazy dog while seven cats sleep under warm sun'.split(' ')
function text(seed: number, n: number): string {
  let s = ''
  for (let i = 0; i < n; i++) s += `${words[(seed * 7 + i * 13 + ((i * i) % 5)) % words.length]} `
  return s
}

/** POST on a fresh connection; resolves with the status and body, or the socket error's code. */
function post(url: string, body: string, written: () => void): Promise<{ status: number; body: string } | string> {
  return new Promise((resolve) => {
    const req = request(
      `${url}/v1/score`,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        let t = ''
        res.on('data', (c) => {
          t += c
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: t }))
        res.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? String(e)))
      },
    )
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? String(e)))
    req.on('finish', written)
    req.end(body)
  })
}

async function run(round: number): Promise<void> {
  const { proc, out, err, waitFor, exited } = serverChild(child)
  const [, url] = await waitFor(/listening (http:\/\/\S+)\n/)
  const n = 100
  let written = 0
  let signalled = false
  const results = Array.from({ length: n }, (_, r) => {
    const items = Array.from({ length: 32 }, (_, i) => ({ prompt: text(r + i, 40), response: text(r * 3 + i, 400) }))
    return post(url, JSON.stringify({ items }), () => {
      if (++written === n && !signalled) {
        signalled = true
        proc.kill('SIGTERM')
      }
    })
  })
  const answers = await Promise.all(results)
  const failed = answers.filter((a) => typeof a === 'string' || a.status !== 200)
  assert.deepEqual(
    failed.map((a) => (typeof a === 'string' ? a : `${a.status} ${a.body.slice(0, 80)}`)),
    [],
    `round ${round}: ${failed.length} of ${n} requests lost`,
  )
  for (const a of answers) if (typeof a !== 'string') assert.equal(JSON.parse(a.body).rewards.length, 32)
  assert.ok(signalled)
  assert.equal(await exited, 0, err())
  assert.match(out(), /closed\n/)
}

test('SIGTERM with 100 heavy requests in flight: all answered, exit 0 (4 rounds)', async () => {
  for (let round = 1; round <= 4; round++) await run(round)
})
