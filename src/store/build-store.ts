/**
 * Builds feature-store entries: featurizes rows in batches while streaming them to disk (only one
 * batch of texts and features is ever in memory), keyed by the featurizer fingerprint and a digest
 * of the texts, and reuses an entry when both match. Entries appear atomically: everything is
 * written in a `.tmp-*` folder which is renamed into place last, so a crash leaves no valid entry.
 *
 * @example
 *   const rows = () => readRatings('train.jsonl')       // re-iterable: called once per pass
 *   const { store, reused } = await cachedFeatureStore(featurizer, rows, { dir: 'model/features' })
 *   reused        // 'none' the first time, 'all' on retraining with the same texts and labels
 *   const acc = await accumulateRidge(store)
 */
import { createHash } from 'node:crypto'
import { type FileHandle, mkdir, open, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DataError, OptionError, RewardfitError } from '../errors.ts'
import type { Featurizer, TextPair } from '../featurize/featurizer.ts'
import { killPoint } from '../kill-point.ts'
import { removeStaleTemps, tempTag } from '../stale-temps.ts'
import { ContentHasher } from './content-hash.ts'
import {
  FEATURES_FILE,
  type FeatureStore,
  META_FILE,
  openFeatureStore,
  STORE_FORMAT_VERSION,
  type StoreMeta,
  targetsFile,
} from './feature-store.ts'

export interface StoreRow {
  pair: TextPair
  /** One value per attribute in rating units; null, undefined or NaN = missing. */
  targets: ArrayLike<number | null | undefined>
}

export type RowSource = Iterable<StoreRow> | AsyncIterable<StoreRow>

export interface StoreProgress {
  rows: number
  seconds: number
  rowsPerSecond: number
}

export interface FeatureStoreOptions {
  /** Folder that holds the entries (created when missing), e.g. `<model>/features`. */
  dir: string
  /** Rows per featurize() call. Integer in [1, 65536]. */
  batchSize?: number
  /** Attribute names, or their count; default: the length of the first row's targets. */
  attributes?: string[] | number | null
  /** Called after every batch. */
  onProgress?: ((p: StoreProgress) => void) | null
}

export const FEATURE_STORE_DEFAULTS = {
  batchSize: 256,
  attributes: null,
  onProgress: null,
} satisfies Omit<Required<FeatureStoreOptions>, 'dir'>

export function resolveFeatureStoreOptions(o: FeatureStoreOptions): Required<FeatureStoreOptions> {
  const r = { ...FEATURE_STORE_DEFAULTS, ...o }
  if (typeof r.dir !== 'string' || r.dir === '')
    throw new OptionError('dir', r.dir, 'a folder path for the feature store')
  if (!Number.isInteger(r.batchSize) || r.batchSize < 1 || r.batchSize > 65536)
    throw new OptionError('batchSize', r.batchSize, 'an integer in [1, 65536]')
  const a = r.attributes
  if (a !== null && !(Array.isArray(a) ? a.length > 0 : Number.isInteger(a) && a > 0))
    throw new OptionError('attributes', a, 'a non-empty list of names, a positive count, or null')
  return r
}

/** The entry folder name for a featurizer and a text digest. */
export function entryName(fingerprint: string, textDigest: string): string {
  // Fingerprints come from several backbones; hashing keeps the folder name short and path-safe.
  return `${createHash('sha256').update(fingerprint).digest('hex').slice(0, 16)}-${textDigest}`
}

const tmpName = (what: string) => `.tmp-${what}-${tempTag()}`

function targetRow(row: StoreRow, index: number, k: number): Float32Array {
  const t = row?.targets
  if (!t || typeof t.length !== 'number' || t.length !== k) {
    throw new DataError(
      `has ${t?.length ?? 'no'} targets; every row needs ${k} (one per attribute; null for a missing label)`,
      {
        row: index,
        field: 'targets',
      },
    )
  }
  const out = new Float32Array(k)
  for (let a = 0; a < k; a++) {
    const v = t[a]
    if (v === null || v === undefined || Number.isNaN(v)) out[a] = Number.NaN
    else if (typeof v !== 'number' || !Number.isFinite(v))
      throw new DataError(`target ${a} is ${JSON.stringify(v)}; expected a finite number or null`, {
        row: index,
        field: 'targets',
      })
    else out[a] = v
  }
  return out
}

const attributeCount = (a: string[] | number | null, first: StoreRow | undefined) =>
  a === null ? (first?.targets?.length ?? 0) : Array.isArray(a) ? a.length : a

async function writeAll(fh: FileHandle, data: Float32Array): Promise<void> {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  let done = 0
  while (done < bytes.length) done += (await fh.write(bytes, done, bytes.length - done)).bytesWritten
}

/**
 * One pass over `rows`: featurize and write a new entry (or, if an identical entry appeared
 * meanwhile, keep that one). Prefer cachedFeatureStore, which skips featurizing on a hit.
 */
export async function buildFeatureStore(
  featurizer: Featurizer,
  rows: RowSource,
  options: FeatureStoreOptions,
): Promise<FeatureStore> {
  const o = resolveFeatureStoreOptions(options)
  await mkdir(o.dir, { recursive: true })
  const tmp = join(o.dir, tmpName('entry'))
  await mkdir(tmp)
  let fx: FileHandle | undefined
  let fy: FileHandle | undefined
  try {
    fx = await open(join(tmp, FEATURES_FILE), 'w')
    fy = await open(join(tmp, 'targets.partial'), 'w')
    const dim = featurizer.dim
    let k = -1
    let hasher: ContentHasher | undefined
    let pairs: TextPair[] = []
    let targets: Float32Array[] = []
    let done = 0
    const t0 = performance.now()
    const flush = async () => {
      if (pairs.length === 0) return
      const x = await featurizer.featurize(pairs)
      if (x.length !== pairs.length * dim)
        throw new RangeError(`featurizer returned ${x.length} values for ${pairs.length} rows of width ${dim}`)
      const y = new Float32Array(pairs.length * k)
      targets.forEach((t, i) => {
        y.set(t, i * k)
      })
      await Promise.all([writeAll(fx!, x), writeAll(fy!, y)])
      done += pairs.length
      pairs = []
      targets = []
      const seconds = (performance.now() - t0) / 1000
      o.onProgress?.({ rows: done, seconds, rowsPerSecond: seconds > 0 ? done / seconds : 0 })
    }
    for await (const row of rows) {
      if (k < 0) {
        k = attributeCount(o.attributes, row)
        hasher = new ContentHasher(o.attributes ?? k)
      }
      const t = targetRow(row, done + pairs.length, k)
      hasher!.add(row.pair, t)
      pairs.push(row.pair)
      targets.push(t)
      if (pairs.length >= o.batchSize) await flush()
    }
    await flush()
    if (k < 0) {
      k = attributeCount(o.attributes, undefined)
      hasher = new ContentHasher(o.attributes ?? k)
    }
    await Promise.all([fx.sync(), fy.sync()])
    await Promise.all([fx.close(), fy.close()])
    fx = fy = undefined
    const textDigest = hasher!.textDigest()
    const targetsDigest = hasher!.targetsDigest()
    await rename(join(tmp, 'targets.partial'), join(tmp, targetsFile(targetsDigest)))
    const meta: StoreMeta = {
      formatVersion: STORE_FORMAT_VERSION,
      fingerprint: featurizer.fingerprint,
      featurizer: featurizer.spec,
      textDigest,
      rows: done,
      dim,
      attributes: k,
      attributeNames: Array.isArray(o.attributes) ? o.attributes : null,
      createdAt: new Date().toISOString(),
    }
    await writeFile(join(tmp, META_FILE), `${JSON.stringify(meta, null, 2)}\n`)
    const final = join(o.dir, entryName(featurizer.fingerprint, textDigest))
    killPoint('store:entry-written')
    try {
      await rename(tmp, final)
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw e
      // Someone built the same features meanwhile: keep theirs, add our labels if they are new.
      const ours = join(final, targetsFile(targetsDigest))
      if (!(await stat(ours).catch(() => undefined))) await rename(join(tmp, targetsFile(targetsDigest)), ours)
      await rm(tmp, { recursive: true, force: true })
    }
    return await openFeatureStore(final, targetsDigest)
  } catch (e) {
    await Promise.all([fx?.close(), fy?.close()]).catch(() => {})
    await rm(tmp, { recursive: true, force: true })
    throw e
  }
}

/** Digests of a row source without featurizing it (the cheap first pass of cachedFeatureStore). */
export async function digestRows(
  rows: RowSource,
  attributes: string[] | number | null = null,
): Promise<{ textDigest: string; targetsDigest: string; rows: number; attributes: number }> {
  let hasher: ContentHasher | undefined
  let k = -1
  for await (const row of rows) {
    if (k < 0) {
      k = attributeCount(attributes, row)
      hasher = new ContentHasher(attributes ?? k)
    }
    hasher!.add(row.pair, targetRow(row, hasher!.rows, k))
  }
  if (!hasher) {
    k = attributeCount(attributes, undefined)
    hasher = new ContentHasher(attributes ?? k)
  }
  return { textDigest: hasher.textDigest(), targetsDigest: hasher.targetsDigest(), rows: hasher.rows, attributes: k }
}

/** Writes only a new targets file into an existing entry (the texts matched, the labels did not). */
async function addTargets(entry: string, rows: RowSource, k: number, digest: string): Promise<void> {
  const tmp = join(entry, tmpName('targets'))
  const fh = await open(tmp, 'w')
  try {
    let i = 0
    for await (const row of rows) await writeAll(fh, targetRow(row, i++, k))
    await fh.sync()
    await fh.close()
    await rename(tmp, join(entry, targetsFile(digest)))
  } catch (e) {
    await fh.close().catch(() => {})
    await rm(tmp, { force: true })
    throw e
  }
}

/** Errors of the system, not of the entry's content: reusing the entry failed, the entry may be fine. */
const SYSTEM_ERRORS = new Set(['EACCES', 'EPERM', 'ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EMFILE', 'ENFILE', 'EBUSY'])

export type StoreReuse = 'all' | 'features' | 'none'

/**
 * The store for these rows and this featurizer: reused when an entry with the same fingerprint and
 * texts exists ('all', or 'features' when only the labels changed and a new targets file was
 * written), else built. `rows` is called once per pass (two passes on a miss, so it must replay the
 * same rows). A damaged entry is deleted and rebuilt; a failure of the system while reusing one (no
 * space, no permission) is reported and the entry kept. Temp entries of killed runs are removed.
 */
export async function cachedFeatureStore(
  featurizer: Featurizer,
  rows: () => RowSource,
  options: FeatureStoreOptions,
): Promise<{ store: FeatureStore; reused: StoreReuse }> {
  const o = resolveFeatureStoreOptions(options)
  // Entries that killed runs were building (their PID is in the name) are removed; live ones are kept.
  await removeStaleTemps(o.dir, [/^\.tmp-entry-(\d+)-/])
  const d = await digestRows(rows(), o.attributes)
  const entry = join(o.dir, entryName(featurizer.fingerprint, d.textDigest))
  if (await stat(join(entry, META_FILE)).catch(() => undefined)) {
    await removeStaleTemps(entry, [/^\.tmp-targets-(\d+)-/])
    try {
      const hasTargets = await stat(join(entry, targetsFile(d.targetsDigest))).catch(() => undefined)
      if (!hasTargets) await addTargets(entry, rows(), d.attributes, d.targetsDigest)
      const store = await openFeatureStore(entry, d.targetsDigest)
      if (store.rows === d.rows && store.attributes === d.attributes && store.dim === featurizer.dim)
        return { store, reused: hasTargets ? 'all' : 'features' }
    } catch (err) {
      // The system failing us (no space, no permission) says nothing about the entry: keep it, say so.
      const code = (err as NodeJS.ErrnoException).code
      if (code && SYSTEM_ERRORS.has(code)) {
        throw new RewardfitError(
          `cannot reuse the feature store entry ${entry} (${code}: ${(err as Error).message}); the entry is kept. ` +
            'Free disk space or fix the permissions of the cache folder, or pass another --cache-dir',
          { cause: err },
        )
      }
      // Otherwise the entry is damaged (torn copy, truncated file): rebuild it below.
    }
    await rm(entry, { recursive: true, force: true })
  }
  return { store: await buildFeatureStore(featurizer, rows(), o), reused: 'none' }
}
