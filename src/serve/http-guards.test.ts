/**
 * Malformed HTTP, stalled requests and too many connections, over raw sockets: each gets an answer
 * in the one error shape {"error": {"message", "field"}} (or, past the connection cap, a closed
 * connection), and the server keeps serving.
 */
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { after, before, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { hashingModel } from '../../test/browser/hashing-model.ts'
import { buildServer } from './app.ts'

let app: FastifyInstance
let port: number
const REQUEST_TIMEOUT = 600
const HEADERS_TIMEOUT = 300
before(async () => {
  app = buildServer(hashingModel(), {
    featurizeWorkers: 0,
    requestTimeoutMs: REQUEST_TIMEOUT,
    headersTimeoutMs: HEADERS_TIMEOUT,
    maxConnections: 20,
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  port = (app.server.address() as { port: number }).port
})
after(() => app.close())

interface RawAnswer {
  status: number
  headers: string
  body: string
  /** Milliseconds from connecting to the socket closing. */
  ms: number
  error?: string
}

/** Sends `chunks` (a number is a pause in ms) and reads until the server closes the connection. */
function raw(chunks: (string | Buffer | number)[], endAfter = false): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const t0 = Date.now()
    const s: Socket = connect(port, '127.0.0.1')
    let data = ''
    let error: string | undefined
    s.on('connect', async () => {
      for (const c of chunks) {
        if (typeof c === 'number') await new Promise((r) => setTimeout(r, c))
        else if (!s.destroyed) s.write(c)
      }
      if (endAfter) s.end()
    })
    s.on('data', (c) => {
      data += c
    })
    s.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code
    })
    s.on('close', () => {
      const [head, ...rest] = data.split('\r\n\r\n')
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0)
      resolve({ status, headers: head, body: rest.join('\r\n\r\n'), ms: Date.now() - t0, error })
    })
  })
}

function assertErrorShape(a: RawAnswer, status: number, message: RegExp, field?: string | null): void {
  assert.equal(a.status, status, `${a.headers}\n${a.body} (${a.error ?? ''})`)
  assert.match(a.headers, /content-type: application\/json/i)
  const body = JSON.parse(a.body) as { error: { message: string; field: string | null } }
  assert.deepEqual(Object.keys(body), ['error'])
  assert.deepEqual(Object.keys(body.error).sort(), ['field', 'message'])
  assert.match(body.error.message, message)
  if (field !== undefined) assert.equal(body.error.field, field)
}

const big = 'a'.repeat(100 * 1024)
const json = 'Content-Type: application/json\r\n'
const cases: { name: string; send: (string | Buffer)[]; status: number; message: RegExp; field?: string | null }[] = [
  { name: 'method FOO', send: ['FOO / HTTP/1.1\r\nHost: x\r\n\r\n'], status: 400, message: /unknown HTTP method/ },
  {
    name: 'negative Content-Length',
    send: [`POST /v1/score HTTP/1.1\r\nHost: x\r\n${json}Content-Length: -1\r\n\r\n`],
    status: 400,
    message: /invalid Content-Length/,
    field: 'content-length',
  },
  {
    name: 'Content-Length with Transfer-Encoding',
    send: [
      `POST /v1/score HTTP/1.1\r\nHost: x\r\n${json}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    ],
    status: 400,
    message: /Content-Length together with Transfer-Encoding/,
  },
  {
    name: 'bad chunk size',
    send: [`POST /v1/score HTTP/1.1\r\nHost: x\r\n${json}Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`],
    status: 400,
    message: /chunk size/,
  },
  { name: 'HTTP/9.9', send: ['GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n'], status: 505, message: /HTTP version/ },
  {
    name: 'a TLS client hello',
    send: [Buffer.from('16030100a5010000a10303', 'hex')],
    status: 400,
    message: /plain HTTP, not TLS/,
  },
  {
    name: 'CR inside a header',
    send: ['GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n'],
    status: 400,
    message: /malformed header/,
  },
  {
    name: 'obs-fold',
    send: ['GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n folded\r\n\r\n'],
    status: 400,
    message: /obs-fold/,
  },
  {
    name: 'a 100 KB header',
    send: [`GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: ${big}\r\n\r\n`],
    status: 431,
    message: /larger than 16 KB/,
  },
  {
    name: 'a 100 KB URL',
    send: [`GET /${big} HTTP/1.1\r\nHost: x\r\n\r\n`],
    status: 431,
    message: /shorten the URL/,
  },
  {
    name: '%c0%ae in the URL',
    send: ['GET /%c0%ae HTTP/1.1\r\nHost: x\r\n\r\n'],
    status: 400,
    message: /invalid percent-encoding/,
    field: 'url',
  },
  {
    name: 'Expect: bogus',
    send: [`POST /v1/score HTTP/1.1\r\nHost: x\r\n${json}Expect: bogus\r\nContent-Length: 2\r\n\r\n{}`],
    status: 417,
    message: /unsupported Expect header "bogus"/,
    field: 'expect',
  },
]

for (const c of cases) {
  test(`malformed HTTP: ${c.name} → ${c.status} in the error shape`, async () => {
    const a = await raw(c.send)
    assertErrorShape(a, c.status, c.message, c.field)
    assert.equal(a.error, undefined, 'the answer arrives without a connection reset')
  })
}

test('a body that stops arriving gets 408 within the request timeout, in the error shape', async () => {
  const body = JSON.stringify({ items: [{ prompt: 'p', response: 'r' }] })
  const a = await raw([
    `POST /v1/score HTTP/1.1\r\nHost: x\r\n${json}Content-Length: ${body.length}\r\n\r\n`,
    body.slice(0, 10),
  ])
  assertErrorShape(a, 408, /did not arrive in time.*--request-timeout-ms/, null)
  assert.ok(a.ms >= REQUEST_TIMEOUT - 50, `answered after ${a.ms} ms, before the limit`)
})

test('headers that stop arriving, or never start, get 408 after the headers timeout', async () => {
  const a = await raw(['POST /v1/score HTTP/1.1\r\nHost: x\r\n'])
  assertErrorShape(a, 408, /did not arrive in time/)
  assert.ok(a.ms >= HEADERS_TIMEOUT - 50, `answered after ${a.ms} ms`)
  const silent = await raw([])
  assertErrorShape(silent, 408, /did not arrive in time/)
  assert.ok(silent.ms >= HEADERS_TIMEOUT - 50, `answered after ${silent.ms} ms`)
})

test('past maxConnections, new connections are closed at once; the server then serves again', async () => {
  const held: Socket[] = []
  for (let i = 0; i < 20; i++) {
    const s = connect(port, '127.0.0.1')
    s.on('error', () => {})
    held.push(s)
    await new Promise((r) => s.once('connect', r))
  }
  // Let the server accept all 20 before the 21st arrives.
  await new Promise((r) => setTimeout(r, 50))
  const extra = await raw(['GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'])
  assert.equal(extra.status, 0, 'no answer past the cap')
  for (const s of held) s.destroy()
  await new Promise((r) => setTimeout(r, 100))
  const ok = await raw(['GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'])
  assert.equal(ok.status, 200)
})

test('after all of that, a good request over a raw socket still scores', async () => {
  const body = JSON.stringify({ items: [{ prompt: 'p', response: 'r' }] })
  const a = await raw([
    `POST /v1/score HTTP/1.1\r\nHost: x\r\n${json}Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
  ])
  assert.equal(a.status, 200)
  assert.equal((JSON.parse(a.body) as { rewards: number[] }).rewards.length, 1)
})
