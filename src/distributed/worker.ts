/**
 * A featurizing worker: pulls shard jobs from the BullMQ queue and runs them (runShard), on any
 * machine that can read the input and write the store. A data error (a bad row, changed input, a
 * different backbone) fails the job at once with BullMQ's UnrecoverableError, so the driver stops
 * and names the row; anything else is retried with back-off. A worker that dies mid-job leaves a
 * stalled job that BullMQ hands to another worker once the lock expires (`lockMs`).
 *
 * @example
 *   const w = await startShardWorker('redis://127.0.0.1:6379', { concurrency: 1 })
 *   // … until SIGTERM:
 *   await w.close()      // finishes the jobs in hand, then disconnects
 */
import type { Job } from 'bullmq'
import { OptionError, RewardfitError } from '../errors.ts'
import type { Featurizer } from '../featurize/featurizer.ts'
import { type CreateFeaturizerOptions, createFeaturizer } from '../featurize/registry.ts'
import { openRedis } from './connection.ts'
import { QUEUE_NAME } from './queue-names.ts'
import { parseQueueUrl, scrubSecret } from './queue-url.ts'
import { runShard, type ShardJob, type ShardResult, shardLabel } from './shard-job.ts'

export interface ShardWorkerOptions {
  /** Jobs run at once in this process. Integer in [1, 64]. */
  concurrency?: number
  /** How long a job's lock lasts without renewal, ms: a killed worker's job is handed on after about this long. */
  lockMs?: number
  /** For hf:/gguf: backbones: model cache, offline, Hub endpoint and token. */
  featurizerOptions?: CreateFeaturizerOptions
  /** One line per job started, finished or failed, and connection trouble. */
  onLog?: ((line: string) => void) | null
}

export const SHARD_WORKER_DEFAULTS = {
  concurrency: 1,
  lockMs: 30_000,
  featurizerOptions: {},
  onLog: null,
} satisfies Required<ShardWorkerOptions>

export function resolveShardWorkerOptions(o: ShardWorkerOptions = {}): Required<ShardWorkerOptions> {
  const r = { ...SHARD_WORKER_DEFAULTS, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) }
  if (!Number.isInteger(r.concurrency) || r.concurrency < 1 || r.concurrency > 64)
    throw new OptionError('concurrency', r.concurrency, 'an integer in [1, 64]')
  if (!Number.isInteger(r.lockMs) || r.lockMs < 500) throw new OptionError('lockMs', r.lockMs, 'an integer >= 500 (ms)')
  return r
}

export interface ShardWorker {
  /** Finishes the jobs in hand, then disconnects. */
  close(): Promise<void>
}

export async function startShardWorker(queueUrl: string, options: ShardWorkerOptions = {}): Promise<ShardWorker> {
  const o = resolveShardWorkerOptions(options)
  const address = parseQueueUrl(queueUrl)
  const log = (m: string) => o.onLog?.(scrubSecret(m, address))
  const connection = await openRedis(address, log)
  const { UnrecoverableError, Worker } = await import('bullmq')
  // One featurizer per backbone spec, loaded on the first job that names it.
  const featurizers = new Map<string, Promise<Featurizer>>()
  const featurizerFor = (job: ShardJob) => {
    const key = JSON.stringify(job.featurizer)
    let f = featurizers.get(key)
    if (!f) {
      f = createFeaturizer(job.featurizer, o.featurizerOptions)
      f.catch(() => featurizers.delete(key))
      featurizers.set(key, f)
    }
    return f
  }
  const processor = async (job: Job<ShardJob, ShardResult>): Promise<ShardResult> => {
    const t0 = performance.now()
    const label = shardLabel(job.data)
    log(`${label}: started (attempt ${job.attemptsMade + 1})`)
    try {
      const featurizer = await featurizerFor(job.data)
      let last = 0
      const result = await runShard(job.data, featurizer, (rows) => {
        // Progress is a Redis write: at most a few per second.
        const now = performance.now()
        if (now - last < 250 && rows < job.data.shard.rows) return
        last = now
        job.updateProgress({ rows }).catch(() => {})
      })
      const s = (performance.now() - t0) / 1000
      log(`${label}: ${result.reused ? 'already done' : `${result.rows} rows in ${s.toFixed(2)} s`}`)
      return result
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e)
      log(`${label}: failed: ${message}`)
      // User-facing errors (bad data, changed input, another backbone) will fail again: stop now.
      if (e instanceof RewardfitError) throw new UnrecoverableError(message)
      throw e
    }
  }
  const worker = new Worker<ShardJob, ShardResult>(QUEUE_NAME, processor, {
    connection,
    concurrency: o.concurrency,
    lockDuration: o.lockMs,
    stalledInterval: Math.max(250, Math.floor(o.lockMs / 2)),
    // A job can stall once per dead worker; several crashes of one shard point at the shard.
    maxStalledCount: 3,
  })
  worker.on('error', (e) => log(`worker: ${e.message}`))
  await worker.waitUntilReady()
  log(`worker ready on ${address.redacted} (concurrency ${o.concurrency})`)
  return {
    async close() {
      await worker.close()
      for (const f of featurizers.values()) await (await f.catch(() => null))?.dispose?.()
      connection.disconnect()
    },
  }
}
