/**
 * A shard's partial reduce for the exact ridge, written next to its features: the float64 sums
 * XᵀX, Σx, Xᵀy, Σy, Σy², label counts, plus the shard rows that miss a label. The driver adds the
 * partials in shard order (RidgeAccumulator.addPartial), so the ridge statistics, and so the
 * weights, are the same bits however many workers made them and in whatever order they finished.
 *
 * File `ridge-<targetsDigest>.partial` in the shard's store entry (written to a temporary name,
 * then renamed):
 *   "RFRIDGE1" | u32 header bytes | header JSON {rows, dim, attributes, missingRows} | pad to 8 |
 *   float64: gram [d*d], colSum [d], xy [k*d], ySum [k], yySum [k], counts [k]
 *
 * @example
 *   await writeRidgePartial(store)                 // after the shard's entry is built
 *   const p = await readRidgePartial(store)        // { sums, missingRows }
 */
import { createHash } from 'node:crypto'
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { appendColumns } from '../core/append-columns.ts'
import type { SideFeatures } from '../core/side-stats.ts'
import { RewardfitError } from '../errors.ts'
import { killPoint } from '../kill-point.ts'
import { RidgeAccumulator, type RidgePartialSums } from '../linalg/ridge-accumulator.ts'
import { tempTag } from '../stale-temps.ts'
import type { FeatureStore } from '../store/feature-store.ts'

const MAGIC = 'RFRIDGE1'
/** Rows per product while summing a shard: the same as accumulateRidge's, so a one-shard store sums alike. */
export const PARTIAL_CHUNK_ROWS = 4096

/**
 * The partial's file name. With side features (--features) the sums are over [x, z], z the shard's
 * standardized side columns, and the name carries `sideKey`: the training statistics and the
 * shard's raw side values, so a partial is only ever used with the very columns it summed.
 */
export const partialFile = (targetsDigest: string, sideKey?: string | null) =>
  `ridge-${targetsDigest}${sideKey ? `-s${sideKey}` : ''}.partial`

/** Digest of raw side values (float64 bytes, row-major): of one shard's rows. */
export const sideDigest = (raw: Float64Array) =>
  createHash('sha256')
    .update(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength))
    .digest('hex')
    .slice(0, 16)

/** The key of a shard's side partial: the training split's statistics and the shard's raw values' digest. */
export const sideKey = (side: SideFeatures, shardSideDigest: string) =>
  createHash('sha256').update(JSON.stringify(side)).update(shardSideDigest).digest('hex').slice(0, 16)

/** A shard's side columns for its partial: standardized values [rows, m] and the partial's key. */
export interface PartialSide {
  z: Float32Array
  m: number
  key: string
}

/** The targets digest of an open entry (its targets file is targets-<digest>.f32). */
export const targetsDigestOf = (store: FeatureStore) =>
  basename(store.targetsPath).slice('targets-'.length, -'.f32'.length)

export interface RidgePartial {
  sums: RidgePartialSums
  /** Shard rows (0-based, ascending) with at least one missing label. */
  missingRows: number[]
}

export async function hasRidgePartial(
  store: { path: string },
  targetsDigest: string,
  key: string | null = null,
): Promise<boolean> {
  return (await stat(join(store.path, partialFile(targetsDigest, key))).catch(() => undefined)) !== undefined
}

/** Sums the shard's rows (with its side columns appended, if any) and writes the partial atomically; returns it. */
export async function writeRidgePartial(store: FeatureStore, side: PartialSide | null = null): Promise<RidgePartial> {
  const source = side ? appendColumns(store, side.z, side.m) : store
  const dim = source.dim
  const acc = new RidgeAccumulator(dim, store.attributes, { keepAllValues: 0 })
  const missingRows: number[] = []
  const k = store.attributes
  for await (const b of source.chunks(PARTIAL_CHUNK_ROWS)) {
    for (let i = 0; i < b.x.rows; i++) {
      for (let a = 0; a < k; a++) {
        if (Number.isNaN(b.y[i * k + a])) {
          missingRows.push(b.start + i)
          break
        }
      }
    }
    await acc.add(b)
  }
  const sums = await acc.partialSums()
  const header = Buffer.from(JSON.stringify({ rows: sums.rows, dim, attributes: k, missingRows }))
  const head = Buffer.alloc(MAGIC.length + 4)
  head.write(MAGIC, 0, 'latin1')
  head.writeUInt32LE(header.length, MAGIC.length)
  const pad = Buffer.alloc((8 - ((head.length + header.length) % 8)) % 8, 0x20)
  const arrays = [sums.gram, sums.colSum, sums.xy, sums.ySum, sums.yySum, sums.counts]
  const parts = [head, header, pad, ...arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))]
  const digest = targetsDigestOf(store)
  const tmp = join(store.path, `.tmp-partial-${tempTag()}`)
  try {
    await writeFile(tmp, Buffer.concat(parts), { flush: true })
    killPoint('shard:partial-written')
    await rename(tmp, join(store.path, partialFile(digest, side?.key)))
  } catch (e) {
    await rm(tmp, { force: true })
    throw e
  }
  return { sums, missingRows }
}

/** A shard's partial; `side` = its side columns' key and count when the run has --features. */
export async function readRidgePartial(
  store: FeatureStore,
  side: { key: string; m: number } | null = null,
): Promise<RidgePartial> {
  const file = join(store.path, partialFile(targetsDigestOf(store), side?.key))
  let buf: Buffer
  try {
    buf = await readFile(file)
  } catch (e) {
    throw new RewardfitError(
      side
        ? `ridge partial ${file} for these side features is missing; run rewardfit featurize again with the same --features (and data, split and backbone flags)`
        : `ridge partial ${file} is missing; run rewardfit featurize again to rebuild it`,
      { cause: e },
    )
  }
  const bad = (why: string) =>
    new RewardfitError(`ridge partial ${file} ${why}; delete it and run rewardfit featurize again`)
  if (buf.toString('latin1', 0, MAGIC.length) !== MAGIC) throw bad('is not a rewardfit partial')
  const hlen = buf.readUInt32LE(MAGIC.length)
  const at = MAGIC.length + 4
  let h: { rows: number; dim: number; attributes: number; missingRows: number[] }
  try {
    h = JSON.parse(buf.toString('utf8', at, at + hlen))
  } catch {
    throw bad('has an unreadable header')
  }
  const d = store.dim + (side?.m ?? 0)
  const k = store.attributes
  if (h.rows !== store.rows || h.dim !== d || h.attributes !== k) throw bad(`does not match its entry (${h.rows} rows)`)
  let off = at + hlen + ((8 - ((at + hlen) % 8)) % 8)
  const sizes = [d * d, d, k * d, k, k, k]
  if (buf.length !== off + 8 * sizes.reduce((s, n) => s + n, 0))
    throw bad(`is ${buf.length} bytes, not the size it should be`)
  // Copy into fresh aligned arrays (a Buffer's offset inside Node's pool need not be 8-aligned).
  const arrays = sizes.map((n) => {
    const a = new Float64Array(n)
    new Uint8Array(a.buffer).set(buf.subarray(off, off + n * 8))
    off += n * 8
    return a
  })
  const [gram, colSum, xy, ySum, yySum, counts] = arrays
  return { sums: { rows: h.rows, gram, colSum, xy, ySum, yySum, counts }, missingRows: h.missingRows }
}
