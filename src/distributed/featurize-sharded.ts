/**
 * The featurize driver: plan the shards (one validated pass over the data, as training does),
 * skip the shards already in the store, run the rest (on a BullMQ queue for workers anywhere, or
 * here in this process when no queue is given), then write one manifest per split. The result is a
 * feature store that `trainRewardModel({ featureStore: STORE_DIR })` reads without featurizing.
 *
 * The store on disk, not Redis, is the record of what is done: a shard is done when its entry and
 * its partial exist. So a Redis restart that loses the queue costs nothing but re-adding the
 * missing jobs, and running the same command twice redoes nothing.
 *
 * @example
 *   const r = await featurizeSharded({ data: 'hanna.jsonl', dataOptions: { targetColumns: 'coherence' },
 *     out: 'store', shardRows: 500, queue: 'redis://127.0.0.1:6379' })
 *   r.splits.train   // { rows: 950, shards: 2, reused: 0, manifest: 'store/….shards.json' }
 */
import { mkdir, rm, rmdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { SideFeatures } from '../core/side-stats.ts'
import { type DataOptions, resolveDataOptions } from '../data/options.ts'
import { resolveSplitOptions, type Split, type SplitFiles, type SplitOptions } from '../data/split.ts'
import { OptionError, RewardfitError } from '../errors.ts'
import type { Featurizer, FeaturizerSpec } from '../featurize/featurizer.ts'
import { createFeaturizer, parseBackbone } from '../featurize/registry.ts'
import { type HubOptions, isHubRef, resolveHubDataset } from '../hub/index.ts'
import { entryName } from '../store/build-store.ts'
import { openRedis } from './connection.ts'
import { JOB_DEFAULTS, QUEUE_NAME, shardJobId } from './queue-names.ts'
import { parseQueueUrl, scrubSecret } from './queue-url.ts'
import { runShard, type ShardJob, shardDone, shardLabel } from './shard-job.ts'
import { planShards, type ShardSource, SPLITS, type SplitPlan } from './shard-plan.ts'
import { SLICE_DIR } from './shard-slice.ts'
import { MANIFEST_FORMAT_VERSION, writeManifest } from './sharded-store.ts'
import { removeStoreTemps } from './store-temps.ts'

export interface FeaturizeProgress {
  /** Rows featurized so far, all splits, counting the shards in progress on every worker. */
  done: number
  total: number
  shardsDone: number
  shards: number
  /** Workers connected to the queue (0 without a queue). */
  workers: number
}

export interface FeaturizeShardedOptions {
  /** Training ratings file (or hf:ORG/NAME[:split]); `val` / `test` as in trainRewardModel. */
  data: string
  val?: string | null
  test?: string | null
  dataOptions?: DataOptions
  split?: SplitOptions
  backbone?: string | FeaturizerSpec
  backboneOptions?: Record<string, unknown>
  /** The feature store folder to fill (created when missing). */
  out: string
  /** Rows per shard (one job each). Integer >= 1. */
  shardRows?: number
  /** redis://[:PASSWORD@]HOST:PORT[/DB] of the queue; null = featurize every shard in this process. */
  queue?: string | null
  /** Rows per featurize() call inside a shard. */
  featurizeBatchSize?: number
  /** Model and dataset cache for hf:/gguf: backbones and hf: datasets. */
  cacheDir?: string | null
  offline?: boolean
  hub?: HubOptions
  /** How often the driver looks at the queue, ms. */
  pollMs?: number
  onProgress?: ((p: FeaturizeProgress) => void) | null
  onWarning?: ((message: string) => void) | null
}

export const FEATURIZE_SHARDED_DEFAULTS = {
  val: null,
  test: null,
  dataOptions: {},
  split: {},
  backbone: 'hashing',
  backboneOptions: {},
  shardRows: 10_000,
  queue: null,
  featurizeBatchSize: 256,
  cacheDir: null,
  offline: false,
  hub: {},
  pollMs: 250,
  onProgress: null,
  onWarning: null,
} satisfies Omit<Required<FeaturizeShardedOptions>, 'data' | 'out'>

export function resolveFeaturizeShardedOptions(o: FeaturizeShardedOptions): Required<FeaturizeShardedOptions> {
  const r = {
    ...FEATURIZE_SHARDED_DEFAULTS,
    ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)),
  } as Required<FeaturizeShardedOptions>
  if (typeof r.data !== 'string' || r.data === '') throw new OptionError('data', r.data, 'a ratings file path')
  if (typeof r.out !== 'string' || r.out === '') throw new OptionError('out', r.out, 'a folder for the feature store')
  if (!Number.isInteger(r.shardRows) || r.shardRows < 1)
    throw new OptionError('shardRows', r.shardRows, 'an integer >= 1')
  if (!Number.isInteger(r.featurizeBatchSize) || r.featurizeBatchSize < 1)
    throw new OptionError('featurizeBatchSize', r.featurizeBatchSize, 'a positive integer')
  if (!(r.pollMs >= 10)) throw new OptionError('pollMs', r.pollMs, 'a number >= 10 (ms)')
  if (r.queue !== null) parseQueueUrl(r.queue)
  return r
}

export interface SplitResult {
  rows: number
  shards: number
  /** Shards found finished in the store (not redone). */
  reused: number
  /** The manifest file (null for a split without rows). */
  manifest: string | null
}

export interface FeaturizeShardedResult {
  splits: Record<Split, SplitResult>
  fingerprint: string
  dim: number
  /** Wall time: planning (the validated read) and running the shards, s. */
  planSeconds: number
  runSeconds: number
}

interface Pending {
  job: ShardJob
  id: string
}

export async function featurizeSharded(options: FeaturizeShardedOptions): Promise<FeaturizeShardedResult> {
  const o = resolveFeaturizeShardedOptions(options)
  const warn = (m: string) => o.onWarning?.(m)
  const data = resolveDataOptions(o.dataOptions)
  if (data.targetColumns.length === 0)
    throw new OptionError('targets', null, 'the rating columns to store with the features (--targets a,b)')
  const hub = { ...o.hub, offline: o.offline || o.hub.offline }
  const files: SplitFiles = {
    train: await localFiles(o.data, hub),
    val: o.val ? await localFiles(o.val, hub) : undefined,
    test: o.test ? await localFiles(o.test, hub) : undefined,
  }
  const split = resolveSplitOptions({
    ...o.split,
    valFraction: files.val ? (o.split.valFraction ?? 0) : o.split.valFraction,
    testFraction: files.test ? (o.split.testFraction ?? 0) : o.split.testFraction,
  })
  const { onWarning: _w, onSkip: _s, ...plainData } = data
  const source: ShardSource = { files, data: plainData, split }
  const spec: FeaturizerSpec = {
    ...(typeof o.backbone === 'string' ? parseBackbone(o.backbone) : o.backbone),
    ...o.backboneOptions,
  }
  const featurizer = await createFeaturizer(spec, {
    cacheDir: o.cacheDir ?? undefined,
    offline: o.offline,
    endpoint: o.hub.endpoint,
    token: o.hub.token ?? undefined,
  })
  try {
    const storeDir = resolve(o.out)
    await mkdir(storeDir, { recursive: true })
    // Leftovers of killed workers and drivers on this machine (live ones and other machines' stay).
    const stale = await removeStoreTemps(storeDir)
    if (stale.length > 0) warn(`removed ${stale.length} temporary file(s) of killed runs from ${o.out}`)
    const t0 = performance.now()
    // Each shard's rows go to a slice in the store as they are read; a shard already done needs none.
    // (With side features a shard's partial depends on the whole training split: decided after the pass.)
    const plan = await planShards(source, o.shardRows, data, {
      storeDir,
      keep:
        data.featureColumns.length > 0
          ? undefined
          : async (_s, shard) => !(await shardDone(storeDir, featurizer.fingerprint, shard)),
    })
    const planSeconds = (performance.now() - t0) / 1000
    if (plan.train.rows < 2)
      throw new RewardfitError(
        `${o.data}: only ${plan.train.rows} training rows after the split; training needs at least 2`,
      )

    const pending: Pending[] = []
    const splits = {} as Record<Split, SplitResult>
    let doneRows = 0
    let total = 0
    for (const s of SPLITS) {
      const p = plan[s]
      splits[s] = { rows: p.rows, shards: p.shards.length, reused: 0, manifest: null }
      total += p.rows
      for (const shard of p.shards) {
        if (await shardDone(storeDir, featurizer.fingerprint, shard, plan.side)) {
          splits[s].reused++
          doneRows += shard.rows
          continue
        }
        const job: ShardJob = {
          source,
          split: s,
          shard,
          shardCount: p.shards.length,
          featurizer: featurizer.spec,
          fingerprint: featurizer.fingerprint,
          storeDir,
          batchSize: o.featurizeBatchSize,
          side: plan.side,
        }
        pending.push({ job, id: shardJobId(entryName(featurizer.fingerprint, shard.textDigest), shard.targetsDigest) })
      }
    }
    const shardCount = SPLITS.reduce((n, s) => n + plan[s].shards.length, 0)
    const t1 = performance.now()
    const progress = { done: doneRows, total, shardsDone: shardCount - pending.length, shards: shardCount, workers: 0 }
    o.onProgress?.({ ...progress })
    if (pending.length > 0) {
      if (o.queue === null) await runHere(pending, featurizer, progress, o)
      else await runOnQueue(pending, storeDir, progress, o, warn)
    }
    const runSeconds = (performance.now() - t1) / 1000
    for (const s of SPLITS)
      splits[s].manifest = await writeSplitManifest(
        storeDir,
        plan[s],
        featurizer,
        data.targetColumns,
        o.shardRows,
        plan.side,
      )
    // The slices were only the workers' input: every shard is in the store now.
    for (const s of SPLITS)
      for (const shard of plan[s].shards)
        if (shard.slice) await rm(join(storeDir, SLICE_DIR, shard.slice), { force: true })
    await rmdir(join(storeDir, SLICE_DIR)).catch(() => {})
    return { splits, fingerprint: featurizer.fingerprint, dim: featurizer.dim, planSeconds, runSeconds }
  } finally {
    await featurizer.dispose?.()
  }
}

async function localFiles(ref: string, hub: HubOptions): Promise<string | string[]> {
  if (!isHubRef(ref)) return resolve(ref)
  return (await resolveHubDataset(ref, hub)).files.map((f) => resolve(f))
}

/** The single-process path: the same shards, the same entries and partials, in shard order. */
async function runHere(
  pending: Pending[],
  featurizer: Featurizer,
  progress: FeaturizeProgress,
  o: Required<FeaturizeShardedOptions>,
): Promise<void> {
  for (const p of pending) {
    const before = progress.done
    await runShard(p.job, featurizer, (rows) => o.onProgress?.({ ...progress, done: before + rows }))
    progress.done = before + p.job.shard.rows
    progress.shardsDone++
    o.onProgress?.({ ...progress })
  }
}

/** Re-adds the jobs not yet done this often, ms: covers a Redis that lost its data in a restart. */
const READD_EVERY_MS = 5000

async function runOnQueue(
  pending: Pending[],
  storeDir: string,
  progress: FeaturizeProgress,
  o: Required<FeaturizeShardedOptions>,
  warn: (m: string) => void,
): Promise<void> {
  const address = parseQueueUrl(o.queue as string)
  const connection = await openRedis(address, warn)
  const { Queue } = await import('bullmq')
  // After an outage Redis may have lost the queue: re-add what is not done right away.
  let reconnected = false
  connection.on('ready', () => {
    reconnected = true
  })
  const queue = new Queue<ShardJob>(QUEUE_NAME, { connection })
  queue.on('error', () => {}) // reported once per outage by the connection
  try {
    // Failed jobs of an earlier run with the same shards would block the same ids: clear them.
    for (const p of pending) {
      const old = await queue.getJob(p.id)
      if (old && (await old.getState()) === 'failed') await old.remove()
    }
    const add = (list: Pending[]) =>
      queue.addBulk(
        list.map((p) => ({
          name: 'shard',
          data: p.job,
          opts: {
            jobId: p.id,
            attempts: JOB_DEFAULTS.attempts,
            backoff: { type: 'exponential', delay: JOB_DEFAULTS.backoffMs },
            removeOnComplete: true,
            removeOnFail: false,
          },
        })),
      )
    await add(pending)
    let open = pending
    let lastAdd = performance.now()
    const doneRows = progress.done
    let finishedRows = 0
    while (open.length > 0) {
      await new Promise((ok) => setTimeout(ok, o.pollMs))
      const still: Pending[] = []
      for (const p of open) {
        if (await shardDone(storeDir, p.job.fingerprint, p.job.shard, p.job.side)) {
          finishedRows += p.job.shard.rows
          progress.shardsDone++
        } else still.push(p)
      }
      open = still
      if (open.length === 0) break
      const ids = new Set(open.map((p) => p.id))
      const failed = (await queue.getFailed(0, 100)).find((j) => j?.id && ids.has(j.id))
      if (failed) {
        const p = open.find((q) => q.id === failed.id) as Pending
        throw new RewardfitError(
          `${shardLabel(p.job)} failed after ${failed.attemptsMade} attempt(s): ${scrubSecret(failed.failedReason ?? 'no reason given', address)}`,
        )
      }
      let active = 0
      for (const j of await queue.getActive()) {
        if (j?.id && ids.has(j.id)) active += (j.progress as { rows?: number } | undefined)?.rows ?? 0
      }
      progress.done = doneRows + finishedRows + active
      progress.workers = await queue.getWorkersCount().catch(() => progress.workers)
      o.onProgress?.({ ...progress })
      if (reconnected || performance.now() - lastAdd > READD_EVERY_MS) {
        reconnected = false
        // Adding an id that exists is a no-op; an id Redis lost (a restart without persistence) comes back.
        await add(open)
        lastAdd = performance.now()
      }
    }
    progress.done = doneRows + finishedRows
    o.onProgress?.({ ...progress })
  } finally {
    await queue.close()
    connection.disconnect()
  }
}

async function writeSplitManifest(
  storeDir: string,
  p: SplitPlan,
  featurizer: Featurizer,
  attributes: string[],
  shardRows: number,
  side: SideFeatures | null,
): Promise<string | null> {
  if (p.rows === 0) return null
  return writeManifest(storeDir, {
    formatVersion: MANIFEST_FORMAT_VERSION,
    fingerprint: featurizer.fingerprint,
    featurizer: featurizer.spec,
    textDigest: p.textDigest,
    targetsDigest: p.targetsDigest,
    rows: p.rows,
    dim: featurizer.dim,
    attributes: attributes.length,
    attributeNames: attributes,
    shardRows,
    side,
    shards: p.shards.map((s) => ({
      ...(s.sideDigest ? { sideDigest: s.sideDigest } : {}),
      entry: entryName(featurizer.fingerprint, s.textDigest),
      rows: s.rows,
      textDigest: s.textDigest,
      targetsDigest: s.targetsDigest,
    })),
    createdAt: new Date().toISOString(),
  })
}
