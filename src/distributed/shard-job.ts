/**
 * One shard's work, the same whether a queue worker or the driver itself runs it: featurize the
 * shard's rows (its slice, written by the driver: nothing else of the input is read) into an
 * ordinary store entry (reused when it already exists), then write the shard's partial ridge sums
 * next to it. A shard whose entry and partial exist is not redone. A row error names the input
 * file and line the row came from.
 *
 * @example
 *   const r = await runShard(job, featurizer)   // { entry: '3fa…-9bc…', rows: 1000, reused: false }
 */
import { join } from 'node:path'
import { type SideFeatures, standardizedRows } from '../core/side-stats.ts'
import type { Split } from '../data/split.ts'
import { DataError, RewardfitError } from '../errors.ts'
import type { Featurizer, FeaturizerSpec } from '../featurize/featurizer.ts'
import { buildFeatureStore, entryName } from '../store/build-store.ts'
import { type FeatureStore, openFeatureStore } from '../store/feature-store.ts'
import { hasRidgePartial, type PartialSide, sideDigest, sideKey, writeRidgePartial } from './ridge-partial.ts'
import type { ShardPlanEntry, ShardSource } from './shard-plan.ts'
import { inputPosition, type OpenSlice, openSlice, SLICE_DIR } from './shard-slice.ts'
import { removeStoreTemps } from './store-temps.ts'

/** A job's data: plain JSON, never the queue URL. */
export interface ShardJob {
  source: ShardSource
  split: Split
  shard: ShardPlanEntry
  /** Shards in this split (for messages). */
  shardCount: number
  featurizer: FeaturizerSpec
  /** The driver's featurizer fingerprint: a worker whose backbone differs refuses the job. */
  fingerprint: string
  /** The store folder (absolute; every worker writes there). */
  storeDir: string
  batchSize: number
  /** Side features (--features): the training split's statistics the partial standardizes with. */
  side?: SideFeatures | null
}

export interface ShardResult {
  entry: string
  rows: number
  /** The entry and its partial were already there. */
  reused: boolean
}

/** A readable name for messages: 'train shard 3/10 (rows 2000-2999)'. */
export const shardLabel = (j: Pick<ShardJob, 'split' | 'shard' | 'shardCount'>) =>
  `${j.split} shard ${j.shard.index + 1}/${j.shardCount} (rows ${j.shard.start}-${j.shard.start + j.shard.rows - 1})`

/** The key of a shard's partial with side features (null without). */
export const shardSideKey = (shard: ShardPlanEntry, side: SideFeatures | null | undefined) =>
  side && shard.sideDigest ? sideKey(side, shard.sideDigest) : null

/** Whether a shard is finished on disk: its entry with these labels, and its partial (for these side features). */
export async function shardDone(
  storeDir: string,
  fingerprint: string,
  shard: ShardPlanEntry,
  side: SideFeatures | null = null,
): Promise<boolean> {
  const path = join(storeDir, entryName(fingerprint, shard.textDigest))
  if (!(await hasRidgePartial({ path }, shard.targetsDigest, shardSideKey(shard, side)))) return false
  try {
    const s = await openFeatureStore(path, shard.targetsDigest)
    await s.close()
    return s.rows === shard.rows
  } catch {
    return false
  }
}

export async function runShard(
  job: ShardJob,
  featurizer: Featurizer,
  onRows: (rows: number) => void = () => {},
): Promise<ShardResult> {
  if (featurizer.fingerprint !== job.fingerprint) {
    throw new RewardfitError(
      `${shardLabel(job)}: this worker's ${job.featurizer.type} backbone differs from the driver's (other model files or rewardfit version); give every machine the same backbone and rewardfit`,
    )
  }
  const entry = entryName(featurizer.fingerprint, job.shard.textDigest)
  // What a killed worker left of this shard (or anywhere at the top of the store) goes first.
  await removeStoreTemps(job.storeDir, [entry])
  if (await shardDone(job.storeDir, job.fingerprint, job.shard, job.side))
    return { entry, rows: job.shard.rows, reused: true }
  // The plan already knows the digests: open the entry if it is there, else build it in one pass.
  let store = await openFeatureStore(join(job.storeDir, entry), job.shard.targetsDigest).catch(() => null)
  if (store && store.rows !== job.shard.rows) {
    await store.close()
    store = null
  }
  const slice = job.shard.slice ? openSlice(join(job.storeDir, SLICE_DIR, job.shard.slice)) : null
  const m = job.side?.columns.length ?? 0
  const sideRaw: number[] = []
  // The side values come along with the rows the entry is built from (or on their own if it exists).
  async function* rows() {
    if (!slice)
      throw new RewardfitError(`${shardLabel(job)}: the job names no slice of rows; run rewardfit featurize again`)
    for await (const r of slice.rows()) {
      if (m > 0) sideRaw.push(...(r.features ?? []))
      yield r
    }
  }
  try {
    if (!store) {
      store = await buildFeatureStore(featurizer, rows(), {
        dir: job.storeDir,
        batchSize: job.batchSize,
        attributes: job.source.data.targetColumns,
        onProgress: (p) => onRows(p.rows),
      })
    }
  } catch (e) {
    throw atInputRow(e, job, slice)
  }
  try {
    checkDigests(job, store)
    try {
      let side: PartialSide | null = null
      if (job.side && m > 0) {
        if (sideRaw.length === 0) for await (const _ of rows());
        side = partialSide(job, job.side, Float64Array.from(sideRaw))
      }
      await writeRidgePartial(store, side)
    } catch (e) {
      throw atInputRow(e, job, slice)
    }
  } finally {
    await store.close()
  }
  return { entry, rows: job.shard.rows, reused: false }
}

/** The shard's standardized side columns, checked against the plan. */
function partialSide(job: ShardJob, side: SideFeatures, raw: Float64Array): PartialSide {
  const m = side.columns.length
  if (raw.length !== job.shard.rows * m || sideDigest(raw) !== job.shard.sideDigest)
    throw new DataError(
      `${shardLabel(job)}: the side features (${side.columns.join(', ')}) of slice ${job.shard.slice} differ from the plan; run rewardfit featurize again`,
      { file: job.storeDir },
    )
  return { z: standardizedRows(side, raw), m, key: sideKey(side, job.shard.sideDigest as string) }
}

/**
 * A row error names the shard's row; say instead the input file and line it came from (the slice
 * knows), else the row within the split.
 */
function atInputRow(e: unknown, job: ShardJob, slice: OpenSlice | null): unknown {
  if (!(e instanceof DataError) || e.where.row === undefined || e.where.file !== undefined) return e
  const message = e.message.replace(/^.*?: /, '')
  const origin = slice?.origin(e.where.row)
  if (origin) return new DataError(message, { ...inputPosition(origin.file, origin.line), field: e.where.field })
  return new DataError(message, { ...e.where, row: job.shard.start + e.where.row, field: `${job.split} features` })
}

/** The rows read now must be the rows planned: a file edited during the run must not mix in. */
function checkDigests(job: ShardJob, store: FeatureStore): void {
  if (
    store.meta.textDigest !== job.shard.textDigest ||
    !store.targetsPath.endsWith(`targets-${job.shard.targetsDigest}.f32`)
  ) {
    throw new DataError(
      `${shardLabel(job)}: the rows of slice ${job.shard.slice ?? '(none)'} differ from the plan of ${fileNames(job.source)}; run rewardfit featurize again`,
      { file: job.storeDir },
    )
  }
}

const fileNames = (s: ShardSource) =>
  [s.files.train, s.files.val, s.files.test]
    .flat()
    .filter((f): f is string => typeof f === 'string')
    .join(', ')
