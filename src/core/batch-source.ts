/**
 * Where training reads rows from: an in-memory matrix, or the on-disk feature store, which never
 * holds all features in memory. Targets are in raw rating units with NaN for a missing label.
 *
 * @example
 *   const src = matrixSource(x, y, 5)       // x: [n, d], y: [n * 5]
 *   const { x: xb, y: yb } = await src.read([3, 0, 7])
 */
import { gatherRows, type Matrix } from '../compute/matrix.ts'

export interface Batch {
  /** [rows, dim] */
  x: Matrix
  /** [rows, attributes], raw rating units, NaN = missing label */
  y: Float32Array
}

export interface BatchSource {
  readonly rows: number
  readonly dim: number
  readonly attributes: number
  /** The given rows in the given order. */
  read(indices: ArrayLike<number>): Promise<Batch>
  /** A sequential scan in chunks of at most `size` rows (statistics, Gram matrices, evaluation). */
  chunks(size: number): AsyncIterable<Batch & { start: number }>
  /**
   * All rows, when the source holds them in memory (matrixSource). Lets training run a whole
   * epoch as one onnxruntime graph instead of reading batch by batch. Absent for on-disk stores.
   */
  readonly inMemory?: { x: Matrix; y: Float32Array }
}

export function matrixSource(x: Matrix, y: Float32Array, attributes: number): BatchSource {
  if (y.length !== x.rows * attributes) {
    throw new RangeError(`targets have ${y.length} values; expected ${x.rows} rows x ${attributes} attributes`)
  }
  const yMat: Matrix = { rows: x.rows, cols: attributes, data: y }
  return {
    rows: x.rows,
    dim: x.cols,
    attributes,
    inMemory: { x, y },
    async read(indices) {
      return { x: gatherRows(x, indices), y: gatherRows(yMat, indices).data }
    },
    async *chunks(size) {
      for (let start = 0; start < x.rows; start += size) {
        const end = Math.min(x.rows, start + size)
        yield {
          start,
          x: { rows: end - start, cols: x.cols, data: x.data.subarray(start * x.cols, end * x.cols) },
          y: y.subarray(start * attributes, end * attributes),
        }
      }
    },
  }
}

/**
 * Examples of `rowsPerExample` consecutive rows of `rows` (a pair: chosen, then rejected): reads
 * return all rows of the asked examples, in order, and the labels of each example's first row.
 */
export function groupedSource(rows: BatchSource, rowsPerExample: number): BatchSource {
  const R = rowsPerExample
  if (!Number.isInteger(R) || R < 1 || rows.rows % R !== 0) {
    throw new RangeError(`${rows.rows} rows do not split into examples of ${R} rows`)
  }
  const k = rows.attributes
  const firstRows = (y: Float32Array) => {
    const out = new Float32Array(y.length / R)
    for (let e = 0; e < out.length / k; e++) out.set(y.subarray(e * R * k, e * R * k + k), e * k)
    return out
  }
  return {
    rows: rows.rows / R,
    dim: rows.dim,
    attributes: k,
    inMemory: rows.inMemory ? { x: rows.inMemory.x, y: firstRows(rows.inMemory.y) } : undefined,
    async read(indices) {
      const r = new Uint32Array(indices.length * R)
      for (let i = 0; i < indices.length; i++) for (let j = 0; j < R; j++) r[i * R + j] = indices[i] * R + j
      const b = await rows.read(r)
      return { x: b.x, y: firstRows(b.y) }
    },
    async *chunks(size) {
      for await (const b of rows.chunks(size * R)) yield { start: b.start / R, x: b.x, y: firstRows(b.y) }
    },
  }
}

/**
 * Rated examples and preference pairs in one source (the combined objective): examples
 * 0..ratings.rows-1 are rated rows, the rest pairs (pairs: a groupedSource of 2 rows per pair with
 * 2 labels). Every example carries k + 2 labels, NaN where they do not apply; a batch returns its
 * rated rows first, then its pairs' rows.
 */
export function mixedSource(ratings: BatchSource, pairs: BatchSource): BatchSource {
  if (ratings.dim !== pairs.dim) {
    throw new RangeError(`ratings have ${ratings.dim} features but pairs have ${pairs.dim}; featurize both alike`)
  }
  const k = ratings.attributes
  const pw = pairs.attributes
  const W = k + pw
  const nR = ratings.rows
  const labels = (yr: Float32Array, yp: Float32Array) => {
    const a = yr.length / k
    const b = yp.length / pw
    const y = new Float32Array((a + b) * W).fill(Number.NaN)
    for (let i = 0; i < a; i++) y.set(yr.subarray(i * k, i * k + k), i * W)
    for (let i = 0; i < b; i++) y.set(yp.subarray(i * pw, i * pw + pw), (a + i) * W + k)
    return y
  }
  const concat = (x1: Matrix, x2: Matrix): Matrix => {
    const data = new Float32Array((x1.rows + x2.rows) * x1.cols)
    data.set(x1.data.subarray(0, x1.rows * x1.cols))
    data.set(x2.data.subarray(0, x2.rows * x2.cols), x1.rows * x1.cols)
    return { rows: x1.rows + x2.rows, cols: x1.cols, data }
  }
  const empty = (w: number) => ({
    x: { rows: 0, cols: ratings.dim, data: new Float32Array(0) },
    y: new Float32Array(0 * w),
  })
  return {
    rows: nR + pairs.rows,
    dim: ratings.dim,
    attributes: W,
    async read(indices) {
      const ri: number[] = []
      const pi: number[] = []
      for (let i = 0; i < indices.length; i++)
        (indices[i] < nR ? ri : pi).push(indices[i] < nR ? indices[i] : indices[i] - nR)
      const r = ri.length > 0 ? await ratings.read(ri) : empty(k)
      const p = pi.length > 0 ? await pairs.read(pi) : empty(pw)
      return { x: concat(r.x, p.x), y: labels(r.y, p.y) }
    },
    async *chunks(size) {
      for await (const b of ratings.chunks(size)) yield { start: b.start, x: b.x, y: labels(b.y, new Float32Array(0)) }
      for await (const b of pairs.chunks(size))
        yield { start: nR + b.start, x: b.x, y: labels(new Float32Array(0), b.y) }
    },
  }
}
