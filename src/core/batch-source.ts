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
