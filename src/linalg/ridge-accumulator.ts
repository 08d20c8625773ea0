/**
 * Streaming sufficient statistics for least squares with per-attribute missing labels, in float64:
 * the Gram XᵀX, column sums, Xᵀy, Σy, Σy², counts. Memory is O(d²), never O(n·d): 1M rows stream
 * through in batches. Each big batch's Gram is a float32 product of the rows shifted by the first
 * batch's means, added in float64 (linalg/gram-chunk.ts: as exact as sklearn's float32 Gram, at
 * a third of the float64 product's cost); small batches use float64 throughout.
 *
 * Missing labels: attribute a only uses the rows where its label exists, so its Gram is
 * G_a = G − M_a with M_a the Gram of the rows missing a (usually few, so cheap). Attributes whose
 * missing rows have been identical so far share one M (a partition refined batch by batch), so
 * k attributes labelled on the same rows cost one Gram, not k.
 *
 * The missing rows themselves are also kept (float32, as given) while a class has at most
 * `keepMissingRows` of them and all kept rows fit in KEEP_MISSING_MAX_VALUES values: ridge then
 * factors the full Gram once and corrects it per attribute with a low-rank (Woodbury) update
 * instead of factoring one Gram per missing-label pattern. Beyond either bound the class drops its
 * rows (`missingRows` → null) and ridge falls back to the per-pattern Gram. While every row seen
 * fits in KEEP_ALL_MAX_VALUES, all rows are kept as well (`keptRows`), for the dual solver, and
 * their Gram waits until something needs it (`flush`): the dual never does.
 *
 * @example
 *   const acc = new RidgeAccumulator(768, 5)
 *   for await (const batch of source.chunks(4096)) await acc.add(batch)
 *   await acc.attributeStats(0)   // { gram, colSum, count, xy, ySum, yySum } over rows labelled for attribute 0
 */
import { gemm } from '../compute/matmul.ts'
import { type Matrix, matrix64 } from '../compute/matrix.ts'
import { DataError } from '../errors.ts'
import { addLowerBlocks, chunkProducts, GRAM_F32_MIN_FLOPS, type GramBlock } from './gram-chunk.ts'

/** Statistics over the rows where one attribute is labelled. */
export interface AttributeStats {
  /** Σ x·xᵀ, [d, d] row-major (a fresh array). */
  gram: Float64Array
  /** Σ x, [d] */
  colSum: Float64Array
  /** Σ x·y, [d] */
  xy: Float64Array
  ySum: number
  yySum: number
  /** Labelled rows. */
  count: number
}

/**
 * While all rows so far fit in this many values (float32: 64 MB), they are kept too, so that ridge
 * can solve in the dual (n×n kernel) when there are fewer rows than features.
 */
export const KEEP_ALL_MAX_VALUES = 1 << 24

/** All rows, when kept: features [n, d] float32 and labels [n, k] (NaN = missing), as given. */
export interface KeptRows {
  x: Float32Array
  y: Float32Array
}

/** Plain sums over some rows, float64: Gram [d, d], Σx [d], Σx·y [k, d], Σy, Σy², labelled rows [k]. */
export interface RidgePartialSums {
  rows: number
  gram: Float64Array
  colSum: Float64Array
  xy: Float64Array
  ySum: Float64Array
  yySum: Float64Array
  counts: Float64Array
}

/** Upper bound on kept missing-row values (float32), over all classes: 64 MB. */
export const KEEP_MISSING_MAX_VALUES = 1 << 24

export interface RidgeAccumulatorOptions {
  /** Keep a pattern's missing rows while it has at most this many; default max(32, ⌊dim/8⌋). */
  keepMissingRows?: number
  /** Keep every row while rows·dim is at most this; default KEEP_ALL_MAX_VALUES. */
  keepAllValues?: number
  /**
   * Rows the caller will add, when known. Beyond `keepAllValues` the rows are never kept: keeping
   * the first ones and dropping them later costs a float64 product per chunk (170 ms at 65,536 × 768).
   */
  expectedRows?: number
}

/** What ridge needs about the rows labelled for one attribute, without a Gram copy. */
export interface MaskStats {
  /** Σ x over the labelled rows, [d]. */
  colSum: Float64Array
  /** Labelled rows. */
  count: number
  /** Rows missing this attribute's label. */
  missCount: number
  /** Those rows' features, [missCount, d] in stream order; null when they were not kept. */
  missingRows: Float32Array | null
}

interface MaskClass {
  attrs: number[]
  /** Ids into the kept-row store of the rows these attributes miss; null once dropped. */
  rowIds: number[] | null
  /**
   * Sums / count of the rows these attributes miss, and their Gram once the rows are dropped
   * (null while rows are kept: it is built from them when needed, which saves a d×d product and
   * sum per pattern and batch).
   */
  missGram: Float64Array | null
  missSum: Float64Array
  missCount: number
}

/** A chunk's Gram waiting to be added: its float32 blocks, or null to compute it in float64. */
interface GramPart {
  x: Matrix
  blocks: GramBlock[] | null
}

export class RidgeAccumulator {
  /** Lower triangle (j ≤ i) of Σ (x − s)(x − s)ᵀ over the rows in the Gram so far, [d, d]; see `gram`. */
  private readonly gramLow: Float64Array
  /** The shift s: the first batch's column means (float32). */
  private shift: Float32Array | null = null
  private gramCache: Float64Array | null = null
  /** Kept batches already in `gramLow`. */
  private gramBatches = 0
  readonly colSum: Float64Array
  private readonly xy: Float64Array
  private readonly ySum: Float64Array
  private readonly yySum: Float64Array
  private readonly counts: Float64Array
  private classes: MaskClass[]
  private total = 0
  /** Kept missing rows, each stored once whichever classes miss it. */
  private kept: Float32Array[] = []
  private readonly keepLimit: number
  private readonly keepAll: number
  /** Copies of every batch while rows·dim ≤ KEEP_ALL_MAX_VALUES; null beyond. */
  private allRows: { x: Float32Array; y: Float32Array }[] | null = []

  constructor(
    readonly dim: number,
    readonly attributes: number,
    options: RidgeAccumulatorOptions = {},
  ) {
    if (!Number.isInteger(dim) || dim < 1)
      throw new RangeError(`RidgeAccumulator: dim must be a positive integer, got ${dim}`)
    if (!Number.isInteger(attributes) || attributes < 1) {
      throw new RangeError(`RidgeAccumulator: attributes must be a positive integer, got ${attributes}`)
    }
    this.gramLow = new Float64Array(dim * dim)
    this.colSum = new Float64Array(dim)
    this.xy = new Float64Array(attributes * dim)
    this.ySum = new Float64Array(attributes)
    this.yySum = new Float64Array(attributes)
    this.counts = new Float64Array(attributes)
    const all = Array.from({ length: attributes }, (_, a) => a)
    this.classes = [{ attrs: all, rowIds: [], missGram: null, missSum: new Float64Array(dim), missCount: 0 }]
    this.keepLimit = options.keepMissingRows ?? Math.max(32, Math.floor(dim / 8))
    this.keepAll = options.keepAllValues ?? KEEP_ALL_MAX_VALUES
    if (options.expectedRows !== undefined && options.expectedRows * dim > this.keepAll) this.allRows = null
    if (!(this.keepLimit >= 0)) {
      throw new RangeError(`RidgeAccumulator: keepMissingRows must be >= 0, got ${options.keepMissingRows}`)
    }
  }

  /** Rows seen so far. */
  get rows(): number {
    return this.total
  }

  /** Labelled rows per attribute. */
  get labelCounts(): number[] {
    return Array.from(this.counts)
  }

  /** Attribute groups that share a missing-row pattern (and so one Gram and one factorization). */
  get maskGroups(): number[][] {
    return this.classes.map((c) => [...c.attrs])
  }

  /** Adds a batch: x [n, d] float32, y [n, k] raw units with NaN = missing. Await each call before the next. */
  async add(batch: { x: Matrix; y: Float32Array }): Promise<void> {
    const { x, y } = batch
    const d = this.dim
    const k = this.attributes
    const n = x.rows
    if (x.cols !== d) throw new RangeError(`RidgeAccumulator: batch has ${x.cols} features per row, expected ${d}`)
    if (y.length !== n * k)
      throw new RangeError(`RidgeAccumulator: batch targets have ${y.length} values, expected ${n}x${k}`)
    if (n === 0) return
    // Validate the whole batch before touching any statistic, so a bad batch leaves them unchanged.
    for (let i = 0; i < n * k; i++) {
      const v = y[i]
      if (!Number.isNaN(v) && !Number.isFinite(v)) {
        throw new DataError(`label of attribute ${i % k} is ${v}; labels must be finite or missing (NaN)`, {
          row: this.total + Math.floor(i / k),
        })
      }
    }
    const x32 = x.data.subarray(0, n * d)
    const shift = this.shift ?? columnMeans(x32, n, d)
    // R = [labels with missing as 0 | 1]: Xᵀ·R gives Xᵀy [d, k] and the column sums [d].
    const r = new Float64Array(n * (k + 1))
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < k; a++) {
        const v = y[i * k + a]
        if (!Number.isNaN(v)) r[i * (k + 1) + a] = v
      }
      r[i * (k + 1) + k] = 1
    }
    // While every row is kept the Gram waits (the dual never needs it; `flush` builds it).
    const keep = this.allRows !== null && (this.total + n) * d <= this.keepAll
    const xm = { rows: n, cols: d, data: x32 }
    let xr: Float64Array
    let gram: GramPart | null = null
    if (keep)
      xr = (await gemm({ rows: n, cols: d, data: Float64Array.from(x32) }, matrix64(n, k + 1, r), { transA: true }))
        .data
    else ({ xr, gram } = await this.gramPart(xm, shift, r))
    for (let j = 0; j < d; j++) {
      const v = xr[j * (k + 1) + k]
      if (!Number.isFinite(v)) {
        // A NaN or ±Infinity feature makes its column sum non-finite (float32 values cannot overflow it).
        const i = Array.from({ length: n }, (_, i) => i).findIndex((i) => !Number.isFinite(x32[i * d + j]))
        const bad = x32.subarray(i * d, i * d + d).findIndex((v) => !Number.isFinite(v))
        throw new DataError(
          `feature ${bad} is ${x32[i * d + bad]}; features must be finite (check the featurizer or the feature file)`,
          { row: this.total + i },
        )
      }
    }

    this.shift = shift
    this.gramCache = null
    if (gram) await this.addGram(gram)
    for (let j = 0; j < d; j++) {
      this.colSum[j] += xr[j * (k + 1) + k]
      for (let a = 0; a < k; a++) this.xy[a * d + j] += xr[j * (k + 1) + a]
    }
    for (let i = 0; i < n * k; i++) {
      const v = y[i]
      if (Number.isNaN(v)) continue
      const a = i % k
      this.ySum[a] += v
      this.yySum[a] += v * v
      this.counts[a]++
    }
    await this.addMissing(x32, y, n)
    if (keep) {
      this.allRows?.push({ x: Float32Array.from(x32), y: Float32Array.from(y) })
    } else if (this.allRows) {
      await this.flush()
      this.allRows = null
    }
    this.total += n
  }

  /**
   * Xᵀ·R and the chunk's shifted Gram: float32 products on onnxruntime for chunks big enough to
   * matter (linalg/gram-chunk.ts), float64 below GRAM_F32_MIN_FLOPS.
   */
  private async gramPart(
    x: Matrix,
    shift: Float32Array,
    r: Float64Array,
  ): Promise<{ xr: Float64Array; gram: GramPart }> {
    const { rows: n, cols: d } = x
    const cols = this.attributes + 1
    if (n * d * d >= GRAM_F32_MIN_FLOPS) {
      const { blocks, xr } = await chunkProducts(x, shift, { data: r, cols })
      return { xr: xr as Float64Array, gram: { x, blocks } }
    }
    const xr = (
      await gemm({ rows: n, cols: d, data: Float64Array.from(x.data) }, matrix64(n, cols, r), { transA: true })
    ).data
    return { xr, gram: { x, blocks: null } }
  }

  /** Adds a chunk's shifted Gram to `gramLow`, redoing it in float64 when float32 overflowed. */
  private async addGram(part: GramPart): Promise<void> {
    const d = this.dim
    const shift = this.shift as Float32Array
    if (part.blocks && addLowerBlocks(this.gramLow, part.blocks, d)) return
    const { rows: n, data } = part.x
    const xs = new Float64Array(n * d)
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) xs[i * d + j] = data[i * d + j] - shift[j]
    const m = { rows: n, cols: d, data: xs }
    const g = (await gemm(m, m, { transA: true })).data
    for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) this.gramLow[i * d + j] += g[i * d + j]
  }

  /** Builds the Gram of the kept rows that are not in it yet (see `add`). */
  async flush(): Promise<void> {
    const kept = this.allRows
    if (!kept || this.gramBatches === kept.length) return
    const shift = this.shift as Float32Array
    for (const b of kept.slice(this.gramBatches)) {
      const x = { rows: b.y.length / this.attributes, cols: this.dim, data: b.x }
      const big = x.rows * this.dim * this.dim >= GRAM_F32_MIN_FLOPS
      await this.addGram({ x, blocks: big ? (await chunkProducts(x, shift)).blocks : null })
    }
    this.gramBatches = kept.length
    this.gramCache = null
  }

  /** Whether some rows are not in the Gram yet (`flush` adds them). */
  private get gramPending(): boolean {
    return this.allRows !== null && this.gramBatches < this.allRows.length
  }

  /**
   * Σ x·xᵀ over all rows, [d, d] row-major (read-only; rebuilt after each `add`). Needs `await flush()`
   * first while rows are kept. From the shifted Gram Gₛ = Σ(x − s)(x − s)ᵀ, in float64:
   * Σxxᵀ = Gₛ + cₛ·sᵀ + s·cₛᵀ + n·s·sᵀ with cₛ = Σx − n·s.
   */
  get gram(): Float64Array {
    if (this.gramPending) throw new Error('RidgeAccumulator: await flush() before reading the Gram of kept rows')
    if (this.gramCache) return this.gramCache
    const d = this.dim
    const n = this.total
    const s = this.shift ?? new Float32Array(d)
    const cs = Float64Array.from(this.colSum, (v, j) => v - n * s[j])
    const g = new Float64Array(d * d)
    for (let i = 0; i < d; i++) {
      for (let j = 0; j <= i; j++) {
        const v = this.gramLow[i * d + j] + cs[i] * s[j] + s[i] * cs[j] + n * s[i] * s[j]
        g[i * d + j] = v
        g[j * d + i] = v
      }
    }
    this.gramCache = g
    return g
  }

  /** trace of the centred Gram, Σⱼ (Σᵢ xᵢⱼ² − (Σᵢ xᵢⱼ)²/n): from the kept rows while the Gram waits. */
  centredTrace(): number {
    const d = this.dim
    const n = this.total
    let t = 0
    if (this.gramPending) {
      const mean = this.colSum.map((v) => v / n)
      for (const b of this.allRows ?? []) {
        for (let i = 0; i < b.x.length; i++) {
          const v = b.x[i] - mean[i % d]
          t += v * v
        }
      }
      return t
    }
    const g = this.gram
    for (let j = 0; j < d; j++) t += g[j * d + j] - (this.colSum[j] * this.colSum[j]) / n
    return t
  }

  /** Refines the mask classes by this batch's missing rows, then adds each class's missing-row Gram. */
  private async addMissing(x32: Float32Array, y: Float32Array, n: number): Promise<void> {
    const d = this.dim
    const k = this.attributes
    const missing: number[][] = Array.from({ length: k }, () => [])
    for (let i = 0; i < n; i++) for (let a = 0; a < k; a++) if (Number.isNaN(y[i * k + a])) missing[a].push(i)
    const next: MaskClass[] = []
    for (const cls of this.classes) {
      const groups = new Map<string, number[]>()
      for (const a of cls.attrs) {
        const key = missing[a].join(',')
        const g = groups.get(key)
        if (g) g.push(a)
        else groups.set(key, [a])
      }
      let first = true
      for (const attrs of groups.values()) {
        // The first group keeps the class's arrays; the others get copies of the history so far.
        next.push(
          first
            ? { ...cls, attrs }
            : {
                attrs,
                rowIds: cls.rowIds && [...cls.rowIds],
                missGram: cls.missGram && Float64Array.from(cls.missGram),
                missSum: Float64Array.from(cls.missSum),
                missCount: cls.missCount,
              },
        )
        first = false
      }
    }
    // Batch row → kept-row id, so a row missing several patterns' labels is stored once.
    const keptId = new Map<number, number>()
    for (const cls of next) {
      const rows = missing[cls.attrs[0]]
      if (rows.length === 0) continue
      for (const r of rows) for (let j = 0; j < d; j++) cls.missSum[j] += x32[r * d + j]
      if (cls.rowIds) {
        const fresh = rows.reduce((f, r) => f + (keptId.has(r) ? 0 : 1), 0)
        const over = cls.missCount + rows.length > this.keepLimit
        if (over || (this.kept.length + fresh) * d > KEEP_MISSING_MAX_VALUES) await this.dropRows(cls)
      }
      if (cls.rowIds) {
        for (const r of rows) {
          let id = keptId.get(r)
          if (id === undefined) {
            id = this.kept.length
            this.kept.push(x32.slice(r * d, r * d + d))
            keptId.set(r, id)
          }
          cls.rowIds.push(id)
        }
      } else {
        const m = new Float64Array(rows.length * d)
        rows.forEach((r, i) => {
          m.set(x32.subarray(r * d, r * d + d), i * d)
        })
        const mm = { rows: rows.length, cols: d, data: m }
        const g = (await gemm(mm, mm, { transA: true })).data
        if (cls.missGram) addInto(cls.missGram, g)
        else cls.missGram = Float64Array.from(g)
      }
      cls.missCount += rows.length
    }
    this.classes = next
  }

  /** Whether every row seen so far is kept (see `keptRows`). */
  get rowsKept(): boolean {
    return this.allRows !== null
  }

  /** Every row seen, when there were few enough to keep (see KEEP_ALL_MAX_VALUES); else null. */
  keptRows(): KeptRows | null {
    if (!this.allRows) return null
    const x = new Float32Array(this.total * this.dim)
    const y = new Float32Array(this.total * this.attributes)
    let r = 0
    for (const b of this.allRows) {
      x.set(b.x, r * this.dim)
      y.set(b.y, r * this.attributes)
      r += b.y.length / this.attributes
    }
    return { x, y }
  }

  /** Labelled-row column sums and the missing rows of attribute `a` (no Gram copy). */
  maskStats(a: number): MaskStats {
    const cls = this.classOf(a)
    const d = this.dim
    const colSum = Float64Array.from(this.colSum)
    for (let j = 0; j < d; j++) colSum[j] -= cls.missSum[j]
    let missingRows: Float32Array | null = null
    if (cls.rowIds) {
      missingRows = new Float32Array(cls.rowIds.length * d)
      for (const [i, id] of cls.rowIds.entries()) missingRows.set(this.kept[id], i * d)
    }
    return { colSum, count: this.counts[a], missCount: cls.missCount, missingRows }
  }

  /**
   * `sumSquaredError` for c predictions at once: U [c, d] row-major, offsets cs [c]. The quadratic
   * forms run as one product on onnxruntime instead of c plain loops over the Gram.
   */
  async sumSquaredErrors(a: number, U: Float64Array, cs: ArrayLike<number>): Promise<Float64Array> {
    const d = this.dim
    const c = cs.length
    if (U.length !== c * d) throw new RangeError(`sumSquaredErrors: U has ${U.length} values, expected ${c}x${d}`)
    const cls = this.classOf(a)
    const n = this.counts[a]
    const out = new Float64Array(c)
    if (n === 0 || c === 0) return out
    if (this.gramPending) return this.sumSquaredErrorsOfRows(a, U, cs)
    const um = { rows: c, cols: d, data: U }
    // GU = G·Uᵀ: [d, c]
    const gu = (await gemm({ rows: d, cols: d, data: this.gram }, um, { transB: true })).data
    const mu = cls.missGram ? (await gemm({ rows: d, cols: d, data: cls.missGram }, um, { transB: true })).data : null
    for (let r = 0; r < c; r++) {
      let uGu = mu ? 0 : -this.missQuad(cls, U, r * d)
      let uxy = 0
      let us = 0
      for (let j = 0; j < d; j++) {
        const u = U[r * d + j]
        uGu += u * (gu[j * c + r] - (mu ? mu[j * c + r] : 0))
        uxy += u * this.xy[a * d + j]
        us += u * (this.colSum[j] - cls.missSum[j])
      }
      const k = cs[r]
      out[r] = Math.max(0, this.yySum[a] - 2 * (uxy + k * this.ySum[a]) + uGu + 2 * k * us + n * k * k)
    }
    return out
  }

  /** `sumSquaredErrors` from the kept rows, while the Gram waits: c·n·d instead of n·d² for the Gram. */
  private async sumSquaredErrorsOfRows(a: number, U: Float64Array, cs: ArrayLike<number>): Promise<Float64Array> {
    const { x, y } = this.keptRows() as KeptRows
    const d = this.dim
    const k = this.attributes
    const c = cs.length
    const n = this.total
    // P = X·Uᵀ: [n, c]
    const p = (
      await gemm({ rows: n, cols: d, data: Float64Array.from(x) }, { rows: c, cols: d, data: U }, { transB: true })
    ).data
    const out = new Float64Array(c)
    for (let i = 0; i < n; i++) {
      const t = y[i * k + a]
      if (Number.isNaN(t)) continue
      for (let r = 0; r < c; r++) out[r] += (t - p[i * c + r] - cs[r]) ** 2
    }
    return out
  }

  /** Builds the class's missing-row Gram from its kept rows and stops keeping them. */
  private async dropRows(cls: MaskClass): Promise<void> {
    cls.missGram = await this.keptGram(cls)
    cls.rowIds = null
  }

  /** The Gram of the rows a class misses (null when there are none). */
  private async missGramOf(cls: MaskClass): Promise<Float64Array | null> {
    return cls.missGram ?? (await this.keptGram(cls))
  }

  private async keptGram(cls: MaskClass): Promise<Float64Array | null> {
    const ids = cls.rowIds
    if (!ids || ids.length === 0) return cls.missGram
    const d = this.dim
    const m = new Float64Array(ids.length * d)
    ids.forEach((id, i) => {
      m.set(this.kept[id], i * d)
    })
    const mm = { rows: ids.length, cols: d, data: m }
    return Float64Array.from((await gemm(mm, mm, { transA: true })).data)
  }

  /** uᵀ·M·u for the class's missing-row Gram M, from the kept rows when there are any. */
  private missQuad(cls: MaskClass, u: Float64Array, off = 0): number {
    const d = this.dim
    let q = 0
    if (cls.rowIds) {
      for (const id of cls.rowIds) {
        const x = this.kept[id]
        let t = 0
        for (let j = 0; j < d; j++) t += x[j] * u[off + j]
        q += t * t
      }
      return q
    }
    const g = cls.missGram
    if (!g) return 0
    for (let i = 0; i < d; i++) {
      let gi = 0
      const row = i * d
      for (let j = 0; j < d; j++) gi += g[row + j] * u[off + j]
      q += u[off + i] * gi
    }
    return q
  }

  private classOf(a: number): MaskClass {
    const cls = this.classes.find((m) => m.attrs.includes(a))
    if (!cls) throw new RangeError(`attribute ${a} out of range [0, ${this.attributes})`)
    return cls
  }

  /** Label statistics of attribute `a` (no Gram copy): Σx·y [d], Σy, Σy², labelled rows. */
  labelStats(a: number): Pick<AttributeStats, 'xy' | 'ySum' | 'yySum' | 'count'> {
    if (!(a >= 0 && a < this.attributes)) throw new RangeError(`attribute ${a} out of range [0, ${this.attributes})`)
    const d = this.dim
    return { xy: this.xy.slice(a * d, a * d + d), ySum: this.ySum[a], yySum: this.yySum[a], count: this.counts[a] }
  }

  /**
   * Σ (y − p)² over the rows labelled for attribute `a`, for the linear prediction p = u·x + c,
   * from the statistics alone: Σy² − 2(u·Σxy + c·Σy) + uᵀ(Σxxᵀ)u + 2c·u·Σx + n·c².
   */
  async sumSquaredError(a: number, u: Float64Array, c: number): Promise<number> {
    if (u.length !== this.dim) throw new RangeError(`sumSquaredError: u has ${u.length} values, expected ${this.dim}`)
    return (await this.sumSquaredErrors(a, u, [c]))[0]
  }

  /**
   * The plain sums so far (no missing-label classes, no kept rows): what one shard contributes to
   * a distributed reduce (see distributed/ridge-partial.ts). `gram` is Σ x·xᵀ in full; the other
   * arrays are the live ones: copy them before adding more rows.
   */
  async partialSums(): Promise<RidgePartialSums> {
    await this.flush()
    return {
      rows: this.total,
      gram: this.gram,
      colSum: this.colSum,
      xy: this.xy,
      ySum: this.ySum,
      yySum: this.yySum,
      counts: this.counts,
    }
  }

  /**
   * Adds sums made elsewhere over `p.rows` rows (another accumulator's partialSums) in float64, so
   * partials added in the same order give the same bits whoever made them and in whatever order
   * they were made. `missing`: those rows that miss any label, in order (for the missing-label
   * classes); `all` loads every row. While rows are kept (see rowsKept) the rows are added as
   * `add` would add them, in chunks of `chunkRows`, so a store of one shard sums exactly as
   * streaming it does.
   */
  async addPartial(
    p: RidgePartialSums,
    missing: { x: Matrix; y: Float32Array },
    all: () => Promise<{ x: Float32Array; y: Float32Array }>,
    chunkRows = 4096,
  ): Promise<void> {
    const d = this.dim
    const k = this.attributes
    if (p.gram.length !== d * d || p.colSum.length !== d || p.xy.length !== k * d || p.counts.length !== k)
      throw new RangeError(`RidgeAccumulator.addPartial: the partial is not ${d} features x ${k} attributes`)
    if (missing.x.cols !== d || missing.y.length !== missing.x.rows * k)
      throw new RangeError(`RidgeAccumulator.addPartial: missing rows are not ${d} features x ${k} attributes`)
    if (this.allRows && (this.total + p.rows) * d <= this.keepAll) {
      const rows = await all()
      if (rows.x.length !== p.rows * d || rows.y.length !== p.rows * k)
        throw new RangeError(`RidgeAccumulator.addPartial: all() returned other than ${p.rows} rows`)
      for (let s = 0; s < p.rows; s += chunkRows) {
        const e = Math.min(p.rows, s + chunkRows)
        await this.add({
          x: { rows: e - s, cols: d, data: rows.x.subarray(s * d, e * d) },
          y: rows.y.subarray(s * k, e * k),
        })
      }
      return
    }
    if (this.allRows) {
      await this.flush()
      this.allRows = null
    }
    // gramLow holds Σ(x − s)(x − s)ᵀ; over the partial's rows that is G − c·sᵀ − s·cᵀ + n·s·sᵀ.
    const s = this.shift ?? new Float32Array(d)
    this.shift = s
    const n = p.rows
    for (let i = 0; i < d; i++) {
      const ci = p.colSum[i]
      for (let j = 0; j <= i; j++)
        this.gramLow[i * d + j] += p.gram[i * d + j] - ci * s[j] - s[i] * p.colSum[j] + n * s[i] * s[j]
    }
    addInto(this.colSum, p.colSum)
    addInto(this.xy, p.xy)
    addInto(this.ySum, p.ySum)
    addInto(this.yySum, p.yySum)
    addInto(this.counts, p.counts)
    const m = missing.x.rows
    // Rows with every label add nothing to a class, so the missing ones alone refine the classes.
    if (m > 0) await this.addMissing(Float32Array.from(missing.x.data.subarray(0, m * d)), missing.y, m)
    this.gramCache = null
    this.total += n
  }

  /** Statistics over the rows labelled for attribute `a`. */
  async attributeStats(a: number): Promise<AttributeStats> {
    const d = this.dim
    const cls = this.classOf(a)
    await this.flush()
    const gram = Float64Array.from(this.gram)
    const miss = await this.missGramOf(cls)
    if (miss) for (let i = 0; i < gram.length; i++) gram[i] -= miss[i]
    const colSum = Float64Array.from(this.colSum)
    for (let j = 0; j < d; j++) colSum[j] -= cls.missSum[j]
    return {
      gram,
      colSum,
      xy: this.xy.slice(a * d, a * d + d),
      ySum: this.ySum[a],
      yySum: this.yySum[a],
      count: this.counts[a],
    }
  }
}

/** Column means in float64, rounded to float32 (the shift). */
function columnMeans(x: Float32Array, n: number, d: number): Float32Array {
  const m = new Float64Array(d)
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) m[j] += x[i * d + j]
  // A non-finite mean is caught by the finiteness check of the same batch; 0 keeps the shift harmless.
  return Float32Array.from(m, (v) => (Number.isFinite(v) ? v / n : 0))
}

function addInto(acc: Float64Array, v: ArrayLike<number>): void {
  for (let i = 0; i < acc.length; i++) acc[i] += v[i]
}
