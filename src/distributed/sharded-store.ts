/**
 * A feature store made of shards: one ordinary store entry per shard (same fingerprint and content
 * hash as a single-process entry over those rows), listed in order by a manifest file
 * `<entry name of the whole split>.shards.json` in the same folder. Read as one BatchSource; the
 * exact ridge statistics are the shards' partial sums added in shard order.
 *
 * @example
 *   const store = await openShardedStore('store', manifestName(fingerprint, textDigest), targetsDigest)
 *   store.rows                          // the split's rows, all shards
 *   const acc = await store.ridgeStatistics()
 *   await store.close()
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { appendColumns } from '../core/append-columns.ts'
import type { Batch, BatchSource } from '../core/batch-source.ts'
import { type SideFeatures, standardizedRows } from '../core/side-stats.ts'
import { RewardfitError } from '../errors.ts'
import type { FeaturizerSpec } from '../featurize/featurizer.ts'
import { RidgeAccumulator } from '../linalg/ridge-accumulator.ts'
import { tempTag } from '../stale-temps.ts'
import { digestRows, entryName, type RowSource } from '../store/build-store.ts'
import { type FeatureStore, openFeatureStore } from '../store/feature-store.ts'
import { readRidgePartial, sideDigest, sideKey } from './ridge-partial.ts'

export const MANIFEST_FORMAT_VERSION = 1

export interface ShardRef {
  /** The shard's entry folder name in the store folder. */
  entry: string
  rows: number
  textDigest: string
  targetsDigest: string
  /** With side features: the digest of the shard's raw side values. */
  sideDigest?: string
}

export interface ShardManifest {
  formatVersion: number
  fingerprint: string
  featurizer: FeaturizerSpec
  /** Digests of the whole split's rows (what a single-process entry would be named by). */
  textDigest: string
  targetsDigest: string
  rows: number
  dim: number
  attributes: number
  attributeNames: string[] | null
  shardRows: number
  /** Side features (--features) the partials include: columns and training-split statistics. */
  side?: SideFeatures | null
  shards: ShardRef[]
  createdAt: string
}

/** The manifest file name for a split: its single-process entry name plus `.shards.json`. */
export const manifestName = (fingerprint: string, textDigest: string) =>
  `${entryName(fingerprint, textDigest)}.shards.json`

export async function writeManifest(dir: string, m: ShardManifest): Promise<string> {
  const file = join(dir, manifestName(m.fingerprint, m.textDigest))
  const tmp = join(dir, `.tmp-manifest-${tempTag()}`)
  try {
    await writeFile(tmp, `${JSON.stringify(m, null, 2)}\n`, { flush: true })
    await rename(tmp, file)
  } catch (e) {
    await rm(tmp, { force: true })
    throw e
  }
  return file
}

export async function readManifest(file: string): Promise<ShardManifest | null> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return null
  }
  try {
    const m = JSON.parse(text) as ShardManifest
    if (m.formatVersion !== MANIFEST_FORMAT_VERSION) throw new Error(`format ${m.formatVersion}`)
    return m
  } catch (e) {
    throw new RewardfitError(
      `shard manifest ${file} is unreadable (${(e as Error).message}); run rewardfit featurize again`,
    )
  }
}

export class ShardedFeatureStore implements BatchSource {
  readonly rows: number
  readonly dim: number
  readonly attributes: number
  /** First row of each shard, plus the total at the end. */
  private readonly offsets: number[]

  constructor(
    readonly manifest: ShardManifest,
    readonly shards: FeatureStore[],
  ) {
    this.rows = manifest.rows
    this.dim = manifest.dim
    this.attributes = manifest.attributes
    this.offsets = [0]
    for (const s of shards) this.offsets.push(this.offsets[this.offsets.length - 1] + s.rows)
  }

  private shardOf(row: number): number {
    let lo = 0
    let hi = this.shards.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (this.offsets[mid] <= row) lo = mid
      else hi = mid - 1
    }
    return lo
  }

  async read(indices: ArrayLike<number>): Promise<Batch> {
    const n = indices.length
    const d = this.dim
    const k = this.attributes
    const x = new Float32Array(n * d)
    const y = new Float32Array(n * k)
    const byShard = new Map<number, number[]>()
    for (let i = 0; i < n; i++) {
      const r = indices[i]
      if (!Number.isInteger(r) || r < 0 || r >= this.rows)
        throw new RangeError(`row ${r} is outside the store's ${this.rows} rows`)
      const s = this.shardOf(r)
      const list = byShard.get(s)
      if (list) list.push(i)
      else byShard.set(s, [i])
    }
    await Promise.all(
      [...byShard].map(async ([s, at]) => {
        const b = await this.shards[s].read(at.map((i) => indices[i] - this.offsets[s]))
        at.forEach((i, q) => {
          x.set(b.x.data.subarray(q * d, (q + 1) * d), i * d)
          y.set(b.y.subarray(q * k, (q + 1) * k), i * k)
        })
      }),
    )
    return { x: { rows: n, cols: d, data: x }, y }
  }

  /** Chunks never span two shards. */
  async *chunks(size: number): AsyncIterable<Batch & { start: number }> {
    for (const [s, shard] of this.shards.entries())
      for await (const b of shard.chunks(size)) yield { ...b, start: this.offsets[s] + b.start }
  }

  /**
   * The exact ridge statistics: each shard's partial sums added in shard order (float64), its
   * missing-label rows read back from its features. Deterministic whoever wrote the partials.
   */
  async ridgeStatistics(side: { stats: SideFeatures; raw: Float64Array } | null = null): Promise<RidgeAccumulator> {
    const m = side?.stats.columns.length ?? 0
    if (side && side.raw.length !== this.rows * m)
      throw new RangeError(`side features: ${side.raw.length} values for ${this.rows} rows x ${m}`)
    const acc = new RidgeAccumulator(this.dim + m, this.attributes)
    for (const [s, shard] of this.shards.entries()) {
      // With side features (--features) each shard's partial summed [x, z]; its key says which z.
      const raw = side?.raw.subarray(this.offsets[s] * m, this.offsets[s + 1] * m)
      const source = side && raw ? appendColumns(shard, standardizedRows(side.stats, raw), m) : shard
      const key = side && raw ? { key: sideKey(side.stats, sideDigest(raw)), m } : null
      const p = await readRidgePartial(shard, key)
      const missing = await source.read(p.missingRows)
      await acc.addPartial(p.sums, missing, async () => {
        const all = await source.read(Array.from({ length: shard.rows }, (_, i) => i))
        return { x: all.x.data as Float32Array, y: all.y }
      })
    }
    return acc
  }

  async close(): Promise<void> {
    await Promise.all(this.shards.map((s) => s.close()))
  }
}

/** Opens the shards a manifest lists (each checked as any store entry is). */
export async function openShardedStore(dir: string, manifest: ShardManifest): Promise<ShardedFeatureStore> {
  const shards: FeatureStore[] = []
  try {
    for (const s of manifest.shards) shards.push(await openFeatureStore(join(dir, s.entry), s.targetsDigest))
  } catch (e) {
    await Promise.all(shards.map((s) => s.close()))
    throw e
  }
  const rows = shards.reduce((n, s) => n + s.rows, 0)
  if (rows !== manifest.rows)
    throw new RewardfitError(
      `the shards in ${dir} hold ${rows} rows; the manifest says ${manifest.rows}. Run rewardfit featurize again`,
    )
  return new ShardedFeatureStore(manifest, shards)
}

/**
 * The features of these rows in a store folder filled by featurize: the split's shard manifest, or
 * a single-process entry; never featurizes. Fails with the fix when neither is there.
 */
export async function openFeaturized(
  featurizer: { fingerprint: string; dim: number },
  rows: () => RowSource,
  o: { dir: string; attributes: string[]; split: string },
): Promise<{ store: ShardedFeatureStore | FeatureStore; reused: 'shards' | 'all' }> {
  const d = await digestRows(rows(), o.attributes)
  const manifest = await readManifest(join(o.dir, manifestName(featurizer.fingerprint, d.textDigest)))
  if (manifest) {
    if (manifest.targetsDigest !== d.targetsDigest || manifest.dim !== featurizer.dim)
      throw new RewardfitError(
        `${o.dir} holds the ${o.split} features with other labels or width; run rewardfit featurize again with the same --targets, --scale and backbone flags`,
      )
    return { store: await openShardedStore(o.dir, manifest), reused: 'shards' }
  }
  const entry = join(o.dir, entryName(featurizer.fingerprint, d.textDigest))
  const store = await openFeatureStore(entry, d.targetsDigest).catch(() => null)
  if (store && store.rows === d.rows && store.dim === featurizer.dim) return { store, reused: 'all' }
  await store?.close()
  throw new RewardfitError(
    `${o.dir} holds no features for these ${d.rows} ${o.split} rows with this backbone; run rewardfit featurize with the same data, split and backbone flags first (or train without --feature-store)`,
  )
}
