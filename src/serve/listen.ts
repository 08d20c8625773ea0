/**
 * Runs a built server until a signal: bind, report the address, and on SIGTERM (or SIGINT) stop
 * accepting connections, let in-flight requests finish (fastify's close waits for them, and the
 * app's onClose hook drains the micro-batcher), then resolve so the process can exit 0.
 *
 * @example
 *   await serveUntilSignal(buildServer(model), { host: '127.0.0.1', port: 8000, onListening: (url) => console.log(url) })
 */
import type { FastifyInstance } from 'fastify'
import { RewardfitError } from '../errors.ts'

export interface ListenOptions {
  /** Interface to bind; the default keeps the server on this machine. '0.0.0.0' exposes it. */
  host?: string
  /** 0 picks a free port. Range [0, 65535]. */
  port?: number
  /** Signals that stop the server; SIGTERM and SIGINT by default. */
  signals?: NodeJS.Signals[]
  /** Called once bound, with the base URL (e.g. http://127.0.0.1:8000). */
  onListening?: (url: string) => void
  /** Called when a signal arrives, before in-flight requests are finished. */
  onShutdown?: (signal: NodeJS.Signals) => void
}

export const LISTEN_DEFAULTS = { host: '127.0.0.1', port: 8000 } as const

export async function serveUntilSignal(app: FastifyInstance, options: ListenOptions = {}): Promise<void> {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined))
  const o = { ...LISTEN_DEFAULTS, ...given } as ListenOptions & typeof LISTEN_DEFAULTS
  const signals = o.signals ?? ['SIGTERM', 'SIGINT']
  let stop: (s: NodeJS.Signals) => void = () => {}
  // Listen for signals before binding, so a signal that arrives during startup is not lost.
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    stop = resolve
  })
  for (const s of signals) process.once(s, stop)
  try {
    await app.listen({ host: o.host, port: o.port }).catch((err: NodeJS.ErrnoException) => {
      throw bindError(err, o.host, o.port)
    })
    const addr = app.server.address()
    const port = typeof addr === 'object' && addr ? addr.port : o.port
    const host = o.host.includes(':') ? `[${o.host}]` : o.host
    o.onListening?.(`http://${host}:${port}`)
    const signal = await stopped
    o.onShutdown?.(signal)
  } finally {
    for (const s of signals) process.off(s, stop)
    await app.close()
  }
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
