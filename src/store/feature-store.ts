/**
 * A finished feature-store entry on disk, read as a BatchSource: random rows by positioned reads
 * (sorted, coalesced, then put back in the asked order) and sequential chunks, never the whole
 * matrix in memory.
 *
 * Entry layout (a folder named `<fingerprint>-<textDigest>`):
 *   meta.json                 StoreMeta (written last, before the folder is renamed into place)
 *   features.f32              [rows, dim] float32, little-endian, row-major
 *   targets-<digest>.f32      [rows, attributes] float32, NaN = missing label (one per label set)
 *
 * @example
 *   const store = await openFeatureStore('cache/features/3fa…-9bc…', '51e…')
 *   const { x, y } = await store.read([5, 1, 5])   // x: [3, dim], y: [3, attributes]
 *   for await (const b of store.chunks(4096)) { … }
 *   await store.close()
 */
import { type FileHandle, open, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Matrix } from '../compute/matrix.ts'
import type { Batch, BatchSource } from '../core/batch-source.ts'
import { RewardfitError } from '../errors.ts'
import type { FeaturizerSpec } from '../featurize/featurizer.ts'

export const STORE_FORMAT_VERSION = 1
export const FEATURES_FILE = 'features.f32'
export const META_FILE = 'meta.json'
export const targetsFile = (digest: string) => `targets-${digest}.f32`

export interface StoreMeta {
  formatVersion: number
  fingerprint: string
  featurizer: FeaturizerSpec
  textDigest: string
  rows: number
  dim: number
  attributes: number
  attributeNames: string[] | null
  createdAt: string
}

// Rows further apart than this are read separately; closer ones are read through in one call.
const MAX_GAP_BYTES = 64 * 1024
// Positioned reads in flight at once (libuv's pool has 4 threads; more only queue).
const READ_CONCURRENCY = 8

export class FeatureStore implements BatchSource {
  readonly rows: number
  readonly dim: number
  readonly attributes: number
  private handles?: Promise<[FileHandle, FileHandle]>

  constructor(
    /** The entry folder. */
    readonly path: string,
    readonly meta: StoreMeta,
    /** The targets file inside `path`. */
    readonly targetsPath: string,
  ) {
    this.rows = meta.rows
    this.dim = meta.dim
    this.attributes = meta.attributes
  }

  private files(): Promise<[FileHandle, FileHandle]> {
    this.handles ??= Promise.all([open(join(this.path, FEATURES_FILE), 'r'), open(this.targetsPath, 'r')])
    return this.handles
  }

  async read(indices: ArrayLike<number>): Promise<Batch> {
    const n = indices.length
    const [fx, fy] = await this.files()
    const x = new Float32Array(n * this.dim)
    const y = new Float32Array(n * this.attributes)
    const order = Array.from({ length: n }, (_, i) => i)
    for (let i = 0; i < n; i++) {
      const r = indices[i]
      if (!Number.isInteger(r) || r < 0 || r >= this.rows)
        throw new RangeError(`row ${r} is outside the store's ${this.rows} rows`)
    }
    order.sort((a, b) => indices[a] - indices[b])
    // Runs of sorted positions whose rows lie close together on disk: [first, last] in `order`.
    const runs: [number, number][] = []
    const gapRows = Math.max(0, Math.floor(MAX_GAP_BYTES / (this.dim * 4)))
    for (let s = 0; s < n; ) {
      let e = s
      while (e + 1 < n && indices[order[e + 1]] - indices[order[e]] <= gapRows + 1) e++
      runs.push([s, e])
      s = e + 1
    }
    const readRun = async ([s, e]: [number, number]) => {
      const first = indices[order[s]]
      const count = indices[order[e]] - first + 1
      const [bx, by] = await Promise.all([
        readFloats(fx, first * this.dim, count * this.dim),
        readFloats(fy, first * this.attributes, count * this.attributes),
      ])
      for (let q = s; q <= e; q++) {
        const at = order[q]
        const off = indices[at] - first
        x.set(bx.subarray(off * this.dim, (off + 1) * this.dim), at * this.dim)
        y.set(by.subarray(off * this.attributes, (off + 1) * this.attributes), at * this.attributes)
      }
    }
    for (let i = 0; i < runs.length; i += READ_CONCURRENCY)
      await Promise.all(runs.slice(i, i + READ_CONCURRENCY).map(readRun))
    const xm: Matrix = { rows: n, cols: this.dim, data: x }
    return { x: xm, y }
  }

  async *chunks(size: number): AsyncIterable<Batch & { start: number }> {
    if (!(Number.isInteger(size) && size > 0))
      throw new RangeError(`chunk size must be a positive integer, got ${size}`)
    const [fx, fy] = await this.files()
    const load = async (start: number) => {
      const rows = Math.min(size, this.rows - start)
      const [x, y] = await Promise.all([
        readFloats(fx, start * this.dim, rows * this.dim),
        readFloats(fy, start * this.attributes, rows * this.attributes),
      ])
      return { start, x: { rows, cols: this.dim, data: x }, y }
    }
    // Read the next chunk while the caller works on this one.
    let next = this.rows > 0 ? load(0) : undefined
    try {
      while (next) {
        const cur = await next
        const after = cur.start + cur.x.rows
        next = after < this.rows ? load(after) : undefined
        yield cur
      }
    } finally {
      // A caller that stops early leaves one prefetch in flight; its outcome no longer matters.
      next?.catch(() => {})
    }
  }

  /** Closes the file handles; reading again reopens them. */
  async close(): Promise<void> {
    const h = this.handles
    this.handles = undefined
    if (h) await Promise.all((await h).map((f) => f.close()))
  }
}

/** count float32 values starting at value `offset`, into a fresh (aligned) array. */
async function readFloats(fh: FileHandle, offset: number, count: number): Promise<Float32Array> {
  const out = new Float32Array(count)
  const bytes = new Uint8Array(out.buffer)
  let done = 0
  while (done < bytes.length) {
    const { bytesRead } = await fh.read(bytes, done, bytes.length - done, offset * 4 + done)
    if (bytesRead === 0)
      throw new RewardfitError(
        `feature store file ended early at byte ${offset * 4 + done}; delete the entry to rebuild it`,
      )
    done += bytesRead
  }
  return out
}

/**
 * Opens an entry, checking meta.json and that both files have exactly the size it promises, so a
 * torn or foreign folder is never read as features.
 */
export async function openFeatureStore(path: string, targetsDigest: string): Promise<FeatureStore> {
  let meta: StoreMeta
  try {
    meta = JSON.parse(await readFile(join(path, META_FILE), 'utf8'))
  } catch (e) {
    throw new RewardfitError(
      `feature store entry ${path} has no readable ${META_FILE}; delete the folder to rebuild it`,
      { cause: e },
    )
  }
  if (meta.formatVersion !== STORE_FORMAT_VERSION) {
    throw new RewardfitError(
      `feature store entry ${path} has format ${meta.formatVersion}, expected ${STORE_FORMAT_VERSION}; delete it to rebuild`,
    )
  }
  const tPath = join(path, targetsFile(targetsDigest))
  const expect: [string, number][] = [
    [join(path, FEATURES_FILE), meta.rows * meta.dim * 4],
    [tPath, meta.rows * meta.attributes * 4],
  ]
  for (const [file, size] of expect) {
    const s = await stat(file).catch(() => undefined)
    if (!s || s.size !== size) {
      throw new RewardfitError(
        `feature store file ${file} is ${s ? `${s.size} bytes` : 'missing'}; expected ${size}. Delete the entry to rebuild it`,
      )
    }
  }
  return new FeatureStore(path, meta, tPath)
}
