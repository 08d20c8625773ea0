/**
 * Where a run's shards come from. A `ShardSource` says how to read the rows (files, data options,
 * split options: plain JSON, so it travels inside a job); `planShards` reads it once, validating
 * every row as training does, and cuts each split into shards of `shardRows` rows, with the
 * content digests every shard's store entry will carry.
 *
 * @example
 *   const plan = await planShards(source, 1000)
 *   plan.train.shards[2]   // { index: 2, start: 2000, rows: 1000, textDigest: '…', targetsDigest: '…' }
 */
import type { DataOptions } from '../data/options.ts'
import { readRatingSplits, type Split, type SplitFiles, type SplitOptions } from '../data/split.ts'
import type { StoreRow } from '../store/build-store.ts'
import { ContentHasher } from '../store/content-hash.ts'

/** How to read the rows: everything here is plain JSON (no callbacks), so a job can carry it. */
export interface ShardSource {
  /** Local files, as absolute paths the workers can read too. */
  files: SplitFiles
  data: Omit<DataOptions, 'onWarning' | 'onSkip'> & { targetColumns: string[] }
  split: Required<SplitOptions>
}

export interface ShardPlanEntry {
  index: number
  /** First row within the split. */
  start: number
  rows: number
  textDigest: string
  targetsDigest: string
}

export interface SplitPlan {
  rows: number
  textDigest: string
  targetsDigest: string
  shards: ShardPlanEntry[]
}

export const SPLITS: readonly Split[] = ['train', 'val', 'test']

/** The rows of one split from `start`, at most `count` of them, as the store reads them. */
export async function* shardRows(
  source: ShardSource,
  split: Split,
  start = 0,
  count = Number.POSITIVE_INFINITY,
): AsyncGenerator<StoreRow> {
  let i = 0
  const end = start + count
  for await (const e of readRatingSplits(
    source.files,
    { ...source.data, onWarning: null, onSkip: null },
    source.split,
  )) {
    if (e.split !== split) continue
    if (i >= end) return
    if (i++ >= start)
      yield { pair: { prompt: e.prompt, response: e.response, messages: e.messages }, targets: e.targets }
  }
}

/**
 * One validated pass: rows and digests per split and per shard. `data` may carry onWarning/onSkip
 * (the driver reports them once, here).
 */
export async function planShards(
  source: ShardSource,
  shardRowCount: number,
  data: DataOptions = source.data,
): Promise<Record<Split, SplitPlan>> {
  const attributes = source.data.targetColumns
  const acc = {} as Record<Split, { split: ContentHasher; shard: ContentHasher | null; plan: SplitPlan }>
  for (const s of SPLITS)
    acc[s] = {
      split: new ContentHasher(attributes),
      shard: null,
      plan: { rows: 0, textDigest: '', targetsDigest: '', shards: [] },
    }
  const closeShard = (a: (typeof acc)[Split]) => {
    if (!a.shard) return
    const p = a.plan
    const start = p.shards.length * shardRowCount
    p.shards.push({
      index: p.shards.length,
      start,
      rows: a.shard.rows,
      textDigest: a.shard.textDigest(),
      targetsDigest: a.shard.targetsDigest(),
    })
    a.shard = null
  }
  for await (const e of readRatingSplits(source.files, data, source.split)) {
    const a = acc[e.split]
    const pair = { prompt: e.prompt, response: e.response, messages: e.messages }
    // The stored form of the targets (float32, NaN = missing), so the digests match the entries'.
    const t = Float32Array.from(e.targets)
    a.shard ??= new ContentHasher(attributes)
    a.shard.add(pair, t)
    a.split.add(pair, t)
    a.plan.rows++
    if (a.shard.rows === shardRowCount) closeShard(a)
  }
  const out = {} as Record<Split, SplitPlan>
  for (const s of SPLITS) {
    closeShard(acc[s])
    out[s] = { ...acc[s].plan, textDigest: acc[s].split.textDigest(), targetsDigest: acc[s].split.targetsDigest() }
  }
  return out
}
