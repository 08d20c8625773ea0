/**
 * Where a run's shards come from. A `ShardSource` says how to read the rows (files, data options,
 * split options: plain JSON); `planShards` reads it once, validating every row as training does,
 * and cuts each split into shards of `shardRows` rows, with the content digests every shard's store
 * entry will carry. Given a store folder it also writes each shard's rows there as a slice
 * (shard-slice.ts), so a worker reads its rows alone instead of the input from its start.
 *
 * @example
 *   const plan = await planShards(source, 1000, data, { storeDir: 'store' })
 *   plan.train.shards[2]   // { index: 2, start: 2000, rows: 1000, textDigest: '…', targetsDigest: '…', slice: '…jsonl' }
 */
import { createHash, type Hash } from 'node:crypto'
import { type SideFeatures, sideFeatureStats } from '../core/side-stats.ts'
import type { DataOptions } from '../data/options.ts'
import { readRatingSplits, type Split, type SplitFiles, type SplitOptions } from '../data/split.ts'
import { ContentHasher } from '../store/content-hash.ts'
import { SliceWriter } from './shard-slice.ts'

/** How to read the rows: everything here is plain JSON (no callbacks), so a job can carry it. */
export interface ShardSource {
  /** Local files, as absolute paths the workers can read too. */
  files: SplitFiles
  data: Omit<DataOptions, 'onWarning' | 'onSkip' | 'featureColumns'> & {
    targetColumns: string[]
    featureColumns?: string[]
  }
  split: Required<SplitOptions>
}

export interface ShardPlanEntry {
  index: number
  /** First row within the split. */
  start: number
  rows: number
  textDigest: string
  targetsDigest: string
  /** The shard's rows in the store's work area (SLICE_DIR), when the plan wrote slices. */
  slice?: string
  /** With side features: the digest of the shard's raw side values (ridge-partial.ts sideDigest). */
  sideDigest?: string
}

export interface SplitPlan {
  rows: number
  textDigest: string
  targetsDigest: string
  shards: ShardPlanEntry[]
}

/** Per split, plus the side-feature statistics of the training split (null without --features). */
export type ShardPlan = Record<Split, SplitPlan> & { side: SideFeatures | null }

export const SPLITS: readonly Split[] = ['train', 'val', 'test']

/**
 * One validated pass: rows and digests per split and per shard. `data` may carry onWarning/onSkip
 * (the driver reports them once, here). With `slices.storeDir`, each shard's rows are written to
 * a slice there as they are read; `slices.keep(shard)` false (a shard already in the store) drops it.
 */
export async function planShards(
  source: ShardSource,
  shardRowCount: number,
  data: DataOptions = source.data,
  slices: { storeDir: string; keep?: (split: Split, shard: ShardPlanEntry) => Promise<boolean> } | null = null,
): Promise<ShardPlan> {
  const attributes = source.data.targetColumns
  const sideColumns = source.data.featureColumns ?? []
  const m = sideColumns.length
  // The training split's side values, for the statistics every split is standardized with.
  const trainSide: number[] = []
  interface Acc {
    split: ContentHasher
    shard: ContentHasher | null
    sideHash: Hash | null
    writer: SliceWriter | null
    files: string[]
    plan: SplitPlan
  }
  const acc = {} as Record<Split, Acc>
  for (const s of SPLITS) {
    const f = source.files[s]
    acc[s] = {
      split: new ContentHasher(attributes),
      shard: null,
      sideHash: null,
      writer: null,
      files: f === undefined ? [] : [f].flat(),
      plan: { rows: 0, textDigest: '', targetsDigest: '', shards: [] },
    }
  }
  // The train file's rows fall into every split (by the split fractions); val/test files into theirs.
  const trainFiles = [source.files.train].flat()
  for (const s of SPLITS) if (acc[s].files.length === 0) acc[s].files = trainFiles
  const closeShard = async (s: Split) => {
    const a = acc[s]
    if (!a.shard) return
    const p = a.plan
    const entry: ShardPlanEntry = {
      index: p.shards.length,
      start: p.shards.length * shardRowCount,
      rows: a.shard.rows,
      textDigest: a.shard.textDigest(),
      targetsDigest: a.shard.targetsDigest(),
    }
    if (a.sideHash) entry.sideDigest = a.sideHash.digest('hex').slice(0, 16)
    a.sideHash = null
    if (a.writer) {
      const w = a.writer
      a.writer = null
      if (slices?.keep && !(await slices.keep(s, entry))) await w.abort()
      else entry.slice = await w.finish(entry.textDigest, entry.targetsDigest, entry.sideDigest)
    }
    p.shards.push(entry)
    a.shard = null
  }
  try {
    for await (const e of readRatingSplits(source.files, data, source.split)) {
      const a = acc[e.split]
      const pair = { prompt: e.prompt, response: e.response, messages: e.messages }
      // The stored form of the targets (float32, NaN = missing), so the digests match the entries'.
      const t = Float32Array.from(e.targets)
      if (!a.shard) {
        a.shard = new ContentHasher(attributes)
        if (slices) a.writer = await SliceWriter.create(slices.storeDir, a.files)
        if (m > 0) a.sideHash = createHash('sha256')
      }
      if (m > 0) {
        const f = e.features as Float64Array
        a.sideHash?.update(new Uint8Array(f.buffer, f.byteOffset, f.byteLength))
        if (e.split === 'train') for (let j = 0; j < m; j++) trainSide.push(f[j])
      }
      a.shard.add(pair, t)
      a.split.add(pair, t)
      await a.writer?.add(e, Math.max(0, a.files.indexOf(e.file)))
      a.plan.rows++
      if (a.shard.rows === shardRowCount) await closeShard(e.split)
    }
    const out = { side: m > 0 ? sideFeatureStats(sideColumns, Float64Array.from(trainSide)) : null } as ShardPlan
    for (const s of SPLITS) {
      await closeShard(s)
      out[s] = { ...acc[s].plan, textDigest: acc[s].split.textDigest(), targetsDigest: acc[s].split.targetsDigest() }
    }
    return out
  } finally {
    for (const s of SPLITS) await acc[s].writer?.abort()
  }
}
