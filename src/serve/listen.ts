/**
 * Runs a built server until a signal: bind, report the address, and on SIGTERM (or SIGINT, or when
 * the parent process is gone) drain, then resolve so the process can exit 0.
 *
 * Draining loses no request that reached the server:
 *   1. every response from now on says "Connection: close";
 *   2. the listening socket stays open until a turn of the event loop accepts no new connection, so
 *      connections already waiting in the kernel's accept queue are taken and served (closing the
 *      listener at once resets them: the client sees ECONNRESET);
 *   3. the listener closes; each connection ends after its response, and one with no request in
 *      flight is ended once it has stayed idle (no new bytes) for a quarter second — never while a
 *      request on it is still being read;
 *   4. after drainTimeoutMs, whatever is left is cut.
 *
 * Parent watch: run as `npx rewardfit serve`, SIGTERM reaches npm, which passes it to a shell that
 * dies without passing it on, and the server would run on, orphaned. With watchParent the server
 * treats a change of its parent process id (it was re-parented) like SIGTERM.
 *
 * @example
 *   await serveUntilSignal(buildServer(model), { host: '127.0.0.1', port: 8000, onListening: (url) => console.log(url) })
 */
import type { Socket } from 'node:net'
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { RewardfitError } from '../errors.ts'
import { beginDrain } from './app.ts'

export interface ListenOptions {
  /** Interface to bind; the default keeps the server on this machine. '0.0.0.0' exposes it. */
  host?: string
  /** 0 picks a free port. Range [0, 65535]. */
  port?: number
  /** Signals that stop the server; SIGTERM and SIGINT by default. */
  signals?: NodeJS.Signals[]
  /** Stop (as on SIGTERM) when the parent process exits. */
  watchParent?: boolean
  /** How long in-flight requests may take to finish after the signal, in ms; then connections are cut. */
  drainTimeoutMs?: number
  /** Called once bound, with the base URL (e.g. http://127.0.0.1:8000). */
  onListening?: (url: string) => void
  /** Called when shutdown starts, with the signal or 'parent exited', before in-flight requests finish. */
  onShutdown?: (reason: NodeJS.Signals | 'parent exited') => void
}

export const LISTEN_DEFAULTS = { host: '127.0.0.1', port: 8000, watchParent: false, drainTimeoutMs: 30_000 } as const

/** How often the parent process id is checked, and the idle-connection checks run while draining (ms). */
const PARENT_CHECK_MS = 500
const IDLE_CHECK_MS = 50
/** A connection idle (no request, no new bytes) across this many checks in a row is ended. */
const IDLE_CHECKS = 5
/** The listener stays open at most this long after the signal, however many clients keep connecting. */
const MAX_ACCEPT_MS = 2_000

export async function serveUntilSignal(app: FastifyInstance, options: ListenOptions = {}): Promise<void> {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined))
  const o = { ...LISTEN_DEFAULTS, ...given } as ListenOptions & typeof LISTEN_DEFAULTS
  const signals = o.signals ?? ['SIGTERM', 'SIGINT']
  let stop: (s: NodeJS.Signals | 'parent exited') => void = () => {}
  // Listen for signals before binding, so a signal that arrives during startup is not lost.
  const stopped = new Promise<NodeJS.Signals | 'parent exited'>((resolve) => {
    stop = resolve
  })
  for (const s of signals) process.once(s, stop)
  const ppid = process.ppid
  // ppid 1 at start: already orphaned (or in a container), so there is no parent to watch.
  const parentWatch =
    o.watchParent && ppid !== 1
      ? setInterval(() => {
          if (process.ppid !== ppid) stop('parent exited')
        }, PARENT_CHECK_MS).unref()
      : null
  const tracker = trackConnections(app)
  let listening = false
  try {
    await app.listen({ host: o.host, port: o.port }).catch((err: NodeJS.ErrnoException) => {
      throw bindError(err, o.host, o.port)
    })
    listening = true
    const addr = app.server.address()
    const port = typeof addr === 'object' && addr ? addr.port : o.port
    const host = o.host.includes(':') ? `[${o.host}]` : o.host
    o.onListening?.(`http://${host}:${port}`)
    const reason = await stopped
    o.onShutdown?.(reason)
  } finally {
    for (const s of signals) process.off(s, stop)
    if (parentWatch) clearInterval(parentWatch)
    if (listening) await drain(app, tracker, o.drainTimeoutMs)
    else await app.close()
  }
}

interface ConnectionState {
  /** Requests received on the connection and not yet answered. */
  inFlight: number
  /** socket.bytesRead at the last idle check, or -1 before the first. */
  seenBytes: number
  /** Idle checks in a row that found no request and no new bytes. */
  idleChecks: number
}

interface Tracker {
  sockets: Map<Socket, ConnectionState>
  /** Connections accepted so far. */
  accepted: number
}

function trackConnections(app: FastifyInstance): Tracker {
  const t: Tracker = { sockets: new Map(), accepted: 0 }
  app.server.on('connection', (socket: Socket) => {
    t.accepted++
    t.sockets.set(socket, { inFlight: 0, seenBytes: -1, idleChecks: 0 })
    socket.once('close', () => t.sockets.delete(socket))
  })
  app.server.on('request', (req, res) => {
    const c = t.sockets.get(req.socket)
    if (!c) return
    c.inFlight++
    c.idleChecks = 0
    res.once('close', () => {
      c.inFlight--
    })
  })
  return t
}

async function drain(app: FastifyInstance, t: Tracker, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  beginDrain(app)
  // 2. Accept what is queued: a timer, then one full turn of the event loop (its poll phase accepts
  // every connection waiting in the queue and reads every socket that has data); repeat until a
  // turn accepts nothing new.
  const acceptUntil = Date.now() + MAX_ACCEPT_MS
  let seen = -1
  while (t.accepted !== seen && Date.now() < acceptUntil) {
    seen = t.accepted
    await sleep(IDLE_CHECK_MS / 2)
    await nextTurn()
  }
  // 3. Node's server.close() would destroy every connection without a request in progress, which
  // includes one whose request is in the socket but not yet parsed; idle connections are ended here
  // instead, once they have stayed idle across IDLE_CHECKS checks.
  const server = app.server as typeof app.server & { closeIdleConnections?: () => void }
  server.closeIdleConnections = () => {}
  let closed = false
  const closing = app.close().then(() => {
    closed = true
  })
  while (!closed && Date.now() < deadline) {
    for (const [socket, c] of t.sockets) {
      if (c.inFlight > 0 || socket.bytesRead !== c.seenBytes) {
        c.idleChecks = 0
        c.seenBytes = socket.bytesRead
      } else if (++c.idleChecks >= IDLE_CHECKS) socket.end()
    }
    await Promise.race([closing, sleep(IDLE_CHECK_MS)])
    await nextTurn()
  }
  // 4. Out of time: cut what is left.
  if (!closed) for (const socket of t.sockets.keys()) socket.destroy()
  await closing
}

/** A bind failure phrased with its fix. */
function bindError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  const at = `${host}:${port}`
  switch (err.code) {
    case 'EADDRINUSE':
      return new RewardfitError(
        `${at} is already in use; choose another --port (0 picks a free one) or stop the other server`,
        { cause: err },
      )
    case 'EACCES':
      return new RewardfitError(
        `not allowed to bind ${at}; ports below 1024 need privileges, choose a --port above 1023`,
        { cause: err },
      )
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new RewardfitError(
        `cannot bind ${at}: no such interface on this machine; use 127.0.0.1, 0.0.0.0 or one of its addresses`,
        { cause: err },
      )
    default:
      return err
  }
}
