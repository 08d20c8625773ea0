/**
 * The server's defences below the routes: timeouts for requests that never finish arriving, a cap on
 * connections, and answers in the one error shape `{"error": {"message", "field"}}` for what never
 * reaches a route — HTTP the parser refuses (Node's clientError), a URL fastify cannot decode, an
 * Expect header other than 100-continue.
 *
 * A refused request is answered, then its connection is half-closed and read to the end for a moment
 * before it is destroyed ("lingering close"): destroying a socket with unread input makes the kernel
 * send a reset, and the client would see ECONNRESET instead of the answer.
 *
 * @example
 *   const app = Fastify({ ...httpServerOptions(o), logger })
 *   guardHttpServer(app, o)
 */
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ErrorBody } from './http-errors.ts'
import type { ResolvedServeOptions } from './options.ts'

/** How long a refused connection is read (and its input discarded) before it is destroyed. */
const LINGER_MS = 2_000

export interface ProtocolError {
  status: number
  message: string
  field: string | null
}

/** The answer to a request Node's HTTP parser (or its timeouts) refused, by the error's code. */
export function protocolError(
  err: NodeJS.ErrnoException & { rawPacket?: Buffer },
  o: Pick<ResolvedServeOptions, 'requestTimeoutMs' | 'headersTimeoutMs'>,
): ProtocolError {
  const e = (status: number, message: string, field: string | null = null) => ({ status, message, field })
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return e(
        408,
        `the request did not arrive in time (headers within ${o.headersTimeoutMs} ms, the whole request within ${o.requestTimeoutMs} ms); send the body at once, or start the server with a larger --request-timeout-ms`,
      )
    case 'HPE_HEADER_OVERFLOW':
      return e(431, 'the request line and headers are larger than 16 KB; shorten the URL or the headers')
    case 'HPE_INVALID_METHOD':
      // 0x16 opens a TLS record: an https:// client talking to this plain-HTTP port.
      if (err.rawPacket?.[0] === 0x16)
        return e(400, 'this server speaks plain HTTP, not TLS; use an http:// URL, or put a TLS proxy in front of it')
      return e(400, 'unknown HTTP method; the API uses GET and POST', 'method')
    case 'HPE_INVALID_CONTENT_LENGTH':
      return e(400, 'invalid Content-Length; it must be one non-negative integer', 'content-length')
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
    case 'HPE_INVALID_TRANSFER_ENCODING':
      return e(
        400,
        'Content-Length together with Transfer-Encoding (or an unknown Transfer-Encoding); send one of them',
        'transfer-encoding',
      )
    case 'HPE_INVALID_CHUNK_SIZE':
      return e(400, 'malformed chunked body: a chunk size is not a hexadecimal number', 'transfer-encoding')
    case 'HPE_INVALID_VERSION':
      return e(505, 'unsupported HTTP version; send HTTP/1.1 (or HTTP/1.0)')
    case 'HPE_LF_EXPECTED':
    case 'HPE_CR_EXPECTED':
    case 'HPE_INVALID_HEADER_TOKEN':
      return e(
        400,
        'malformed header: a header holds a bare CR, an invalid character, or is folded over lines (obs-fold); send one header per CRLF-terminated line',
        'headers',
      )
    default:
      return e(400, `malformed HTTP request (${err.code ?? 'parse error'}); send a well-formed HTTP/1.1 request`)
  }
}

const bodyOf = (p: ProtocolError): string =>
  JSON.stringify({ error: { message: p.message, field: p.field } } satisfies ErrorBody)

/** Writes a complete HTTP response straight to a socket whose request the parser refused. */
function answerOnSocket(socket: Socket, p: ProtocolError): void {
  const body = bodyOf(p)
  socket.end(
    `HTTP/1.1 ${p.status} ${STATUS_CODES[p.status] ?? 'Error'}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  )
  socket.resume() // discard what the client is still sending, so closing does not reset the answer
  setTimeout(() => socket.destroy(), LINGER_MS).unref()
}

/** Fastify's server options for the timeouts and the handlers of errors that never reach a route. */
export function httpServerOptions(o: ResolvedServeOptions) {
  const answered = new WeakSet<Socket>()
  return {
    // Node counts a new connection's silence against the headers timeout too (408), so no separate
    // socket inactivity timeout is set: it would also cut requests whose scoring takes long.
    requestTimeout: o.requestTimeoutMs,
    keepAliveTimeout: o.keepAliveTimeoutMs,
    http: {
      headersTimeout: o.headersTimeoutMs,
      // Node checks for expired requests on this interval (30 s by default), so a 408 comes that much
      // later than the limit; check often enough to keep it within a tenth of the headers timeout.
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(o.headersTimeoutMs / 10))),
    },
    // Shutdown is listen.ts's job: requests that arrive while it drains are served, not 503'd, and
    // connections are not cut before their requests are read.
    return503OnClosing: false,
    forceCloseConnections: false,
    clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket) {
      // The parser may report the same broken connection again while it is drained.
      if (answered.has(socket)) return
      answered.add(socket)
      if (err.code === 'ECONNRESET' || socket.destroyed || !socket.writable) {
        socket.destroy()
        return
      }
      answerOnSocket(socket, protocolError(err, o))
    },
    frameworkErrors(err: Error & { code?: string }, _req: FastifyRequest, reply: FastifyReply) {
      const message =
        err.code === 'FST_ERR_BAD_URL'
          ? 'the URL holds an invalid percent-encoding (for example %c0%ae); percent-encode the path as UTF-8'
          : `the request could not be routed (${err.code ?? err.message})`
      reply
        .status(400)
        .header('connection', 'close')
        .send({ error: { message, field: 'url' } } satisfies ErrorBody)
    },
  }
}

/** What Fastify's options cannot set: the connection cap and the answer to a bad Expect header. */
export function guardHttpServer(app: FastifyInstance, o: ResolvedServeOptions): void {
  app.server.maxConnections = o.maxConnections
  // Node answers 100-continue itself; any other expectation reaches this listener (and would
  // otherwise get an empty 417).
  app.server.on('checkExpectation', (req, res) => {
    const body = bodyOf({
      status: 417,
      message: `unsupported Expect header "${String(req.headers.expect)
        .replace(/[^\x20-\x7e]/g, '?')
        .slice(0, 64)}"; send "Expect: 100-continue" or no Expect header`,
      field: 'expect',
    })
    res.writeHead(417, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    })
    res.end(body)
  })
}
