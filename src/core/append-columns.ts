/**
 * A BatchSource with columns appended to every row: the feature store holds the backbone's vectors
 * (cached by text), and the standardized side features (--features) of a split, small and kept in
 * memory, are added on read. Row i of `side` belongs to row i of the source.
 *
 * @example
 *   const src = appendColumns(store, side, 2)   // src.dim === store.dim + 2
 */
import { gatherRows, type Matrix } from '../compute/matrix.ts'
import type { Batch, BatchSource } from './batch-source.ts'

export function appendColumns(source: BatchSource, side: Float32Array, m: number): BatchSource {
  if (side.length !== source.rows * m) {
    throw new RangeError(`side columns have ${side.length} values; expected ${source.rows} rows x ${m}`)
  }
  const d = source.dim
  const dim = d + m
  const sideMatrix: Matrix = { rows: source.rows, cols: m, data: side }
  const widen = (x: Matrix, extra: Matrix): Matrix => {
    const out = new Float32Array(x.rows * dim)
    for (let i = 0; i < x.rows; i++) {
      out.set(x.data.subarray(i * d, (i + 1) * d), i * dim)
      out.set(extra.data.subarray(i * m, (i + 1) * m), i * dim + d)
    }
    return { rows: x.rows, cols: dim, data: out }
  }
  const wide: BatchSource = {
    rows: source.rows,
    dim,
    attributes: source.attributes,
    async read(indices): Promise<Batch> {
      const b = await source.read(indices)
      return { x: widen(b.x, gatherRows(sideMatrix, indices)), y: b.y }
    },
    async *chunks(size) {
      for await (const b of source.chunks(size)) {
        const extra = { rows: b.x.rows, cols: m, data: side.subarray(b.start * m, (b.start + b.x.rows) * m) }
        yield { start: b.start, x: widen(b.x, extra), y: b.y }
      }
    },
  }
  return wide
}
