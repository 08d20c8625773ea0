/**
 * The --queue URL: `redis://[[user]:password@]host[:port][/db]` (or `rediss://` for TLS) parsed
 * into ioredis options, and its redacted form, the only one ever printed or stored: a password
 * never reaches a log line, a job, a manifest or a model folder.
 *
 * @example
 *   parseQueueUrl('redis://:s3cret@10.0.0.5:6380/2')
 *   // { host: '10.0.0.5', port: 6380, db: 2, password: 's3cret', username: undefined, tls: false,
 *   //   redacted: 'redis://:***@10.0.0.5:6380/2' }
 */
import { OptionError } from '../errors.ts'

export interface QueueAddress {
  host: string
  port: number
  db: number
  username?: string
  password?: string
  tls: boolean
  /** The URL with any password replaced by ***: safe to print. */
  redacted: string
}

export function parseQueueUrl(url: string): QueueAddress {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    // The value may hold a password in a place we cannot find: do not echo it.
    throw new OptionError('--queue', '(not shown)', 'a URL like redis://HOST:PORT or redis://:PASSWORD@HOST:PORT')
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new OptionError('--queue', redactQueueUrl(url), 'a redis:// or rediss:// URL')
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : 0
  if (!Number.isInteger(db) || db < 0)
    throw new OptionError('--queue', redactQueueUrl(url), 'a database number after the port, e.g. /0')
  const port = u.port ? Number(u.port) : 6379
  return {
    host: u.hostname || '127.0.0.1',
    port,
    db,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    tls: u.protocol === 'rediss:',
    redacted: redactQueueUrl(url),
  }
}

/** The URL with the password part of its userinfo replaced by ***; works on malformed URLs too. */
export function redactQueueUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/]*)@/i, (_, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':')
    return colon < 0 ? `${scheme}${userinfo}@` : `${scheme}${userinfo.slice(0, colon)}:***@`
  })
}

/** Replaces every occurrence of the password in a message (an error text from the client, say). */
export function scrubSecret(text: string, address: Pick<QueueAddress, 'password'>): string {
  const p = address.password
  if (!p) return text
  return text.split(p).join('***').split(encodeURIComponent(p)).join('***')
}
