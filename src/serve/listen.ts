/**
 * Runs a built server until a signal: bind, report the address, and on SIGTERM (or SIGINT) stop
 * accepting connections, let in-flight requests finish (fastify's close waits for them, and the
 * app's onClose hook drains the micro-batcher), then resolve so the process can exit 0.
 *
 * @example
 *   await serveUntilSignal(buildServer(model), { host: '127.0.0.1', port: 8000, onListening: (url) => console.log(url) })
 */
import type { FastifyInstance } from 'fastify'

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
    await app.listen({ host: o.host, port: o.port })
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
