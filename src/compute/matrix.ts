/** Dense row-major matrices. Float32 for features and weights, Float64 where precision matters (Gram, solves). */
export type FloatArray = Float32Array | Float64Array
export type NumArray = ArrayLike<number | null>

export interface Matrix<T extends FloatArray = Float32Array> {
  rows: number
  cols: number
  /** data[i * cols + j] */
  data: T
}

export function matrix(rows: number, cols: number, data?: Float32Array): Matrix {
  const d = data ?? new Float32Array(rows * cols)
  if (d.length !== rows * cols) throw new RangeError(`matrix data has ${d.length} values, expected ${rows}x${cols}`)
  return { rows, cols, data: d }
}

export function matrix64(rows: number, cols: number, data?: Float64Array): Matrix<Float64Array> {
  const d = data ?? new Float64Array(rows * cols)
  if (d.length !== rows * cols) throw new RangeError(`matrix data has ${d.length} values, expected ${rows}x${cols}`)
  return { rows, cols, data: d }
}

/** Rows [start, end) as a view (no copy). */
export function sliceRows<T extends FloatArray>(m: Matrix<T>, start: number, end: number): Matrix<T> {
  return { rows: end - start, cols: m.cols, data: m.data.subarray(start * m.cols, end * m.cols) as T }
}

/** Copies the given rows, in order, into a new matrix (a mini-batch gather). */
export function gatherRows<T extends FloatArray>(
  m: Matrix<T>,
  idx: ArrayLike<number>,
  start = 0,
  end = idx.length,
): Matrix<T> {
  const c = m.cols
  const out = new (m.data.constructor as new (n: number) => T)((end - start) * c)
  for (let i = start; i < end; i++) out.set(m.data.subarray(idx[i] * c, idx[i] * c + c), (i - start) * c)
  return { rows: end - start, cols: c, data: out }
}
