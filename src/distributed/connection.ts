/**
 * One ioredis connection per queue client, set up as BullMQ needs it: commands wait through a
 * Redis restart instead of failing (maxRetriesPerRequest null) and reconnecting never gives up
 * (capped back-off). Connection errors are reported once per outage, scrubbed of the password.
 */
import type { Redis } from 'ioredis'
import type { QueueAddress } from './queue-url.ts'
import { scrubSecret } from './queue-url.ts'

/** Longest wait between reconnect attempts, ms. */
const MAX_RECONNECT_DELAY_MS = 2000

export async function openRedis(
  address: QueueAddress,
  onWarning: (message: string) => void = () => {},
): Promise<Redis> {
  // Loaded on first use: ioredis and bullmq take ~0.5 s to import, which every CLI command paid.
  const { Redis } = await import('ioredis')
  const redis = new Redis({
    host: address.host,
    port: address.port,
    db: address.db,
    username: address.username,
    password: address.password,
    tls: address.tls ? {} : undefined,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), MAX_RECONNECT_DELAY_MS),
  })
  let down = false
  redis.on('error', (e: Error) => {
    if (down) return
    down = true
    onWarning(`queue ${address.redacted}: ${scrubSecret(e.message, address)}; reconnecting`)
  })
  // A restart can be over before any connect fails: 'reconnecting' still says the link dropped.
  redis.on('reconnecting', () => {
    if (down) return
    down = true
    onWarning(`queue ${address.redacted}: connection lost; reconnecting`)
  })
  redis.on('ready', () => {
    if (down) onWarning(`queue ${address.redacted}: reconnected`)
    down = false
  })
  return redis
}
