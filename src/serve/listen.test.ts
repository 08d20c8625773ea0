/**
 * Graceful shutdown, in a child process: SIGTERM while a request is in flight lets it finish with
 * its scores, refuses new connections, and the process exits 0.
 */
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { test } from 'node:test'
import Fastify from 'fastify'
import { root, serverChild } from '../../test/helpers/server-child.ts'
import { serveUntilSignal } from './listen.ts'

// The child holds each batch for 400 ms (batchWaitMs), so a request is surely in flight at SIGTERM,
// and prints a line when the request has reached the handler.
const child = `
import { buildServer } from '${root}src/serve/app.ts'
import { serveUntilSignal } from '${root}src/serve/listen.ts'
import { hashingModel } from '${root}test/browser/hashing-model.ts'
const app = buildServer(hashingModel(), { batchWaitMs: 400 })
app.addHook('preHandler', async () => { process.stdout.write('in-flight\\n') })
await serveUntilSignal(app, {
  host: '127.0.0.1', port: 0,
  onListening: (url) => process.stdout.write('listening ' + url + '\\n'),
  onShutdown: (s) => process.stdout.write('shutdown ' + s + '\\n'),
})
process.stdout.write('closed\\n')
`

function post(url: string, body: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = ''
      res.on('data', (c) => {
        text += c
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
    })
    req.on('error', reject)
    req.end(JSON.stringify(body))
  })
}

test('SIGTERM finishes in-flight requests, stops accepting, and exits 0', async () => {
  const { proc, out, err, waitFor, exited } = serverChild(child)
  const [, url] = await waitFor(/listening (http:\/\/\S+)\n/)
  const inFlight = post(`${url}/v1/score`, { items: [{ prompt: 'Hi', response: 'Hello there!' }] })
  await waitFor(/in-flight\n/)
  proc.kill('SIGTERM')
  const res = await inFlight
  assert.equal(res.status, 200, res.body)
  assert.equal(JSON.parse(res.body).rewards.length, 1)
  assert.equal(await exited, 0, err())
  assert.match(out(), /shutdown SIGTERM\n[\s\S]*closed\n/)
  await assert.rejects(post(`${url}/v1/score`, { items: [{ prompt: 'a', response: 'b' }] }), /ECONNREFUSED/)
})

test('a port in use is a RewardfitError that says how to fix it', async () => {
  const first = Fastify()
  await first.listen({ host: '127.0.0.1', port: 0 })
  const addr = first.server.address()
  const port = typeof addr === 'object' && addr ? addr.port : 0
  try {
    await assert.rejects(serveUntilSignal(Fastify(), { host: '127.0.0.1', port, signals: [] }), {
      name: 'RewardfitError',
      message: new RegExp(`127\\.0\\.0\\.1:${port} is already in use; choose another --port`),
    })
  } finally {
    await first.close()
  }
})
