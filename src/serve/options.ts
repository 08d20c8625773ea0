/**
 * Options of the reward server: limits on what one request may carry and how requests are merged
 * into batches. Defaults live only in SERVE_DEFAULTS; the CLI prints them in --help from here.
 *
 * @example
 *   resolveServeOptions({ maxItems: 64 })
 *   // { maxBodyBytes: 4194304, maxItems: 64, maxChars: 32768, batchWaitMs: 2, maxBatchItems: 256, batchesInFlight: 2, apiKey: null,
 *   //   featurizeWorkers: 'auto', requestTimeoutMs: 30000, headersTimeoutMs: 10000, keepAliveTimeoutMs: 5000,
 *   //   maxConnections: 1024 }
 */
import { availableParallelism } from 'node:os'
import { OptionError } from '../errors.ts'

export interface ServeOptions {
  /** Largest request body in bytes; a larger body gets 413. Range [1, ∞). */
  maxBodyBytes?: number
  /** Most items (pairs, queries or responses) in one request; more gets 413. Range [1, ∞). */
  maxItems?: number
  /** Most characters (UTF-16 code units) in one prompt or response; longer gets 413. Range [1, ∞). */
  maxChars?: number
  /**
   * How long the first request of a batch waits for others to join it, in milliseconds. Range [0, 1000].
   * 0 still merges requests that arrived in the same event-loop turn.
   */
  batchWaitMs?: number
  /** A batch is scored as soon as it holds this many items. Range [1, ∞). */
  maxBatchItems?: number
  /**
   * Batches scored at the same time. 2 keeps the featurizing threads busy while the main thread runs
   * the head and answers; more only queues. Range [1, 16].
   */
  batchesInFlight?: number
  /** When set, every route but /healthz needs `Authorization: Bearer <apiKey>`. */
  apiKey?: string | null
  /**
   * Worker threads that featurize (hashing backbone only; others run in-process). 'auto' → one per
   * core, at most 4. 0 featurizes on the main thread. Range [0, 64].
   */
  featurizeWorkers?: number | 'auto'
  /**
   * Longest time to receive one whole request, headers and body, in ms; a request still arriving
   * after it gets 408 and its connection is closed. Range [100, 3600000].
   */
  requestTimeoutMs?: number
  /**
   * Longest time to receive a request's headers, in ms, counted from the connection's opening or its
   * previous response; a silent connection gets 408 after it. At most requestTimeoutMs. Range [100, 3600000].
   */
  headersTimeoutMs?: number
  /** How long an idle keep-alive connection stays open, in ms. Range [100, 3600000]. */
  keepAliveTimeoutMs?: number
  /** Most open connections; further ones are closed as soon as they are accepted. Range [1, ∞). */
  maxConnections?: number
}

export const SERVE_DEFAULTS = {
  maxBodyBytes: 4 * 1024 * 1024,
  maxItems: 512,
  maxChars: 32_768,
  batchWaitMs: 2,
  maxBatchItems: 256,
  batchesInFlight: 2,
  apiKey: null,
  featurizeWorkers: 'auto',
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1024,
} satisfies Required<ServeOptions>

export type ResolvedServeOptions = Required<ServeOptions>

/** What featurizeWorkers: 'auto' means on this machine. */
// One per core: the main thread only parses and serializes JSON, so it needs no core of its own.
export const autoFeaturizeWorkers = (): number => Math.min(4, availableParallelism())

export function resolveServeOptions(o: ServeOptions = {}): ResolvedServeOptions {
  const defined = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))
  const r: ResolvedServeOptions = { ...SERVE_DEFAULTS, ...defined }
  const positiveInt = (name: string, v: number): void => {
    if (!Number.isSafeInteger(v) || v < 1) throw new OptionError(name, v, 'a positive integer')
  }
  positiveInt('maxBodyBytes', r.maxBodyBytes)
  positiveInt('maxItems', r.maxItems)
  positiveInt('maxChars', r.maxChars)
  positiveInt('maxBatchItems', r.maxBatchItems)
  positiveInt('maxConnections', r.maxConnections)
  if (!(Number.isInteger(r.batchesInFlight) && r.batchesInFlight >= 1 && r.batchesInFlight <= 16))
    throw new OptionError('batchesInFlight', r.batchesInFlight, 'an integer in [1, 16]')
  for (const name of ['requestTimeoutMs', 'headersTimeoutMs', 'keepAliveTimeoutMs'] as const) {
    const v = r[name]
    if (!(Number.isSafeInteger(v) && v >= 100 && v <= 3_600_000))
      throw new OptionError(name, v, 'an integer number of milliseconds in [100, 3600000]')
  }
  if (r.headersTimeoutMs > r.requestTimeoutMs)
    throw new OptionError(
      'headersTimeoutMs',
      r.headersTimeoutMs,
      `at most requestTimeoutMs (${r.requestTimeoutMs}): the headers are part of the request`,
    )
  if (!(typeof r.batchWaitMs === 'number' && r.batchWaitMs >= 0 && r.batchWaitMs <= 1000)) {
    throw new OptionError('batchWaitMs', r.batchWaitMs, 'a number of milliseconds in [0, 1000]')
  }
  if (
    r.featurizeWorkers !== 'auto' &&
    !(Number.isInteger(r.featurizeWorkers) && r.featurizeWorkers >= 0 && r.featurizeWorkers <= 64)
  ) {
    throw new OptionError(
      'featurizeWorkers',
      r.featurizeWorkers,
      "'auto' or an integer in [0, 64] (0 featurizes on the main thread)",
    )
  }
  if (r.apiKey !== null && (typeof r.apiKey !== 'string' || r.apiKey.length === 0 || /\s/.test(r.apiKey))) {
    throw new OptionError('apiKey', '(hidden)', 'a non-empty string without whitespace, or null for no key')
  }
  return r
}
