/**
 * Bodies that never finish arriving: 40 connections each send half of a 2 MB body and stall. The
 * server holds what arrived until the request timeout, answers each with 408, and afterwards the
 * memory is back (JS heap plus buffers, measured after a full garbage collection).
 */
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { after, test } from 'node:test'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { hashingModel } from '../../test/browser/hashing-model.ts'
import { buildServer } from './app.ts'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const app = buildServer(hashingModel(), { featurizeWorkers: 0, requestTimeoutMs: 5_000, headersTimeoutMs: 1_000 })
after(() => app.close())

function heldBytes(): number {
  gc()
  gc()
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

test('40 stalled 2 MB bodies: each gets 408, and the memory they held comes back', async (t) => {
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  const n = 40
  const half = Buffer.alloc(1024 * 1024, 'a')
  const baseline = heldBytes()
  // What the server has read from its sockets (the client's write callbacks only say the kernel has it).
  const serverSockets: Socket[] = []
  app.server.on('connection', (s) => serverSockets.push(s))
  const received = () => serverSockets.reduce((sum, s) => sum + s.bytesRead, 0)
  const answers = Array.from(
    { length: n },
    () =>
      new Promise<string>((resolve) => {
        const s = connect(port, '127.0.0.1', () => {
          s.write(
            `POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${2 * half.length}\r\n\r\n`,
          )
          s.write(half)
        })
        let data = ''
        s.on('data', (c) => {
          data += c
        })
        s.on('error', () => {})
        s.on('close', () => resolve(data))
      }),
  )
  // While they stall, the server holds what arrived (the test's own buffer is shared and small).
  while (received() < n * half.length) await new Promise((r) => setTimeout(r, 20))
  const during = heldBytes() - baseline
  const texts = await Promise.all(answers)
  for (const t of texts)
    assert.match(t, /^HTTP\/1\.1 408 [\s\S]*"error":\{"message":"the request did not arrive in time/)
  await new Promise((r) => setTimeout(r, 100))
  const afterwards = heldBytes() - baseline
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MB`
  t.diagnostic(`held ${mb(during)} while stalled, ${mb(afterwards)} afterwards`)
  assert.ok(during > 20 * 2 ** 20, `the stalled bodies should be held while they stall (held ${mb(during)})`)
  assert.ok(afterwards < 8 * 2 ** 20, `held ${mb(during)} while stalled, still ${mb(afterwards)} afterwards`)
})
