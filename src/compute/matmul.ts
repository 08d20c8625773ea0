/**
 * General matrix products C = op(A) · op(B), op = identity or transpose.
 * Above ORT_MIN_FLOPS they run on onnxruntime (150-320 GFLOP/s here in float32); below it, or with
 * `{ backend: 'ts' }`, on the plain TypeScript reference (~1-5 GFLOP/s), whose call has no overhead.
 *
 * @example
 *   const c = await gemm(a, b, { transA: true })   // A: [n, d], B: [n, k] → C: [d, k]
 */
import type { FloatArray, Matrix } from './matrix.ts'
import { DType, node, tensorInfo } from './onnx-proto.ts'
import { cachedSession, ort } from './session.ts'

export interface GemmOptions {
  transA?: boolean
  transB?: boolean
  /** 'auto' picks onnxruntime above ORT_MIN_FLOPS multiply-adds. */
  backend?: 'auto' | 'ort' | 'ts'
}

/** Below this many multiply-adds the ~30 µs onnxruntime call costs more than the loop. */
export const ORT_MIN_FLOPS = 1 << 17

function dims(a: Matrix<FloatArray>, b: Matrix<FloatArray>, o: GemmOptions): [number, number, number] {
  const [m, ka] = o.transA ? [a.cols, a.rows] : [a.rows, a.cols]
  const [kb, n] = o.transB ? [b.cols, b.rows] : [b.rows, b.cols]
  if (ka !== kb) throw new RangeError(`gemm shape mismatch: op(A) is ${m}x${ka}, op(B) is ${kb}x${n}`)
  return [m, ka, n]
}

/** Plain TypeScript reference; accumulates in float64 and rounds once per output. */
export function gemmRef<T extends FloatArray>(a: Matrix<T>, b: Matrix<T>, o: GemmOptions = {}): Matrix<T> {
  const [m, k, n] = dims(a, b, o)
  const out = new (a.data.constructor as new (n: number) => T)(m * n)
  const A = a.data
  const B = b.data
  const acc = new Float64Array(n)
  for (let i = 0; i < m; i++) {
    acc.fill(0)
    for (let p = 0; p < k; p++) {
      const av = o.transA ? A[p * a.cols + i] : A[i * a.cols + p]
      if (av === 0) continue
      if (o.transB) for (let j = 0; j < n; j++) acc[j] += av * B[j * b.cols + p]
      else {
        const off = p * b.cols
        for (let j = 0; j < n; j++) acc[j] += av * B[off + j]
      }
    }
    out.set(acc, i * n)
  }
  return { rows: m, cols: n, data: out }
}

/** C = op(A) · op(B) on onnxruntime or the reference, by size. A and B share a dtype. */
export async function gemm<T extends FloatArray>(a: Matrix<T>, b: Matrix<T>, o: GemmOptions = {}): Promise<Matrix<T>> {
  const [m, k, n] = dims(a, b, o)
  const backend = o.backend ?? 'auto'
  if (backend === 'ts' || (backend === 'auto' && m * k * n < ORT_MIN_FLOPS) || m === 0 || n === 0 || k === 0) {
    return gemmRef(a, b, o)
  }
  const f64 = a.data instanceof Float64Array
  if (f64 !== b.data instanceof Float64Array) throw new TypeError('gemm: A and B must share a dtype')
  const dt = f64 ? DType.double : DType.float
  const key = `gemm:${dt}:${o.transA ? 1 : 0}${o.transB ? 1 : 0}`
  const session = await cachedSession(
    key,
    () => ({
      nodes: [
        node('Gemm', ['a', 'b'], ['c'], { transA: { int: o.transA ? 1 : 0 }, transB: { int: o.transB ? 1 : 0 } }),
      ],
      inputs: [tensorInfo('a', dt, ['ar', 'ac']), tensorInfo('b', dt, ['br', 'bc'])],
      outputs: [tensorInfo('c', dt, ['m', 'n'])],
      // One parallel section per run, and callers alternate products (A·v, Aᵀ·e): no spinning.
    }),
    { spin: false },
  )
  const type = f64 ? 'float64' : 'float32'
  const res = await session.run({
    a: new ort.Tensor(type, a.data, [a.rows, a.cols]),
    b: new ort.Tensor(type, b.data, [b.rows, b.cols]),
  })
  return { rows: m, cols: n, data: res.c.data as T }
}

/** Rows per call of gemmRowInvariant: every block has this shape, padded with zero rows. */
export const INVARIANT_BLOCK_ROWS = 16

/**
 * C = A · op(B) where each row of C depends only on the same row of A: never on how many rows
 * there are, their order or their neighbours. `gemm` picks its backend (and onnxruntime its
 * kernel and threading) by shape, so the same row scored alone and inside a batch could round
 * differently (up to 2.3e-7 measured). Here A goes through in blocks of INVARIANT_BLOCK_ROWS, the
 * last one zero-padded, so every row meets the same product of the same shape, in which each
 * output is one dot product over the same K order. Inference uses this; training keeps `gemm`.
 *
 * @example
 *   const scores = await gemmRowInvariant(x, w, { transB: true })   // x: [n, d], w: [k, d] → [n, k]
 */
export async function gemmRowInvariant<T extends FloatArray>(
  a: Matrix<T>,
  b: Matrix<T>,
  o: Pick<GemmOptions, 'transB'> = {},
): Promise<Matrix<T>> {
  const [m, k, n] = dims(a, b, o)
  const R = INVARIANT_BLOCK_ROWS
  const make = (len: number) => new (a.data.constructor as new (n: number) => T)(len)
  const out = make(m * n)
  // The backend follows the block's shape only, never the batch's.
  const backend = R * k * n < ORT_MIN_FLOPS ? 'ts' : 'ort'
  const block = make(R * k)
  for (let r0 = 0; r0 < m; r0 += R) {
    const rows = Math.min(R, m - r0)
    block.set(a.data.subarray(r0 * k, (r0 + rows) * k))
    if (rows < R) block.fill(0, rows * k)
    const c = await gemm({ rows: R, cols: k, data: block }, b, { transB: o.transB, backend })
    out.set(c.data.subarray(0, rows * n), r0 * n)
  }
  return { rows: m, cols: n, data: out }
}

/**
 * A·Bᵀ together with ‖aᵢ‖² per row of A, in one onnxruntime run (Gemm + ReduceSumSquare, both
 * threaded and vectorized; the norms summed in float32, relative error ~1e-7): the predictive std
 * needs both, and a JavaScript loop for the norms cost as much as the product at d = 4096. Where
 * the graph cannot run (the browser bundle runs only Gemm): `gemm` and a float64 loop.
 */
export async function gemmWithRowNorms(
  a: Matrix<Float32Array>,
  b: Matrix<Float32Array>,
): Promise<{ product: Matrix<Float32Array>; norms: Float64Array }> {
  const { rows: m, cols: k } = a
  if (b.cols !== k) throw new RangeError(`gemmWithRowNorms: A has ${k} columns, B has ${b.cols}`)
  if (m * k * b.rows >= ORT_MIN_FLOPS) {
    const session = await cachedSession('gemm-row-norms', () => ({
      nodes: [
        node('Gemm', ['a', 'b'], ['c'], { transB: { int: 1 } }),
        node('ReduceSumSquare', ['a'], ['s'], { axes: { ints: [1] }, keepdims: { int: 0 } }),
      ],
      inputs: [tensorInfo('a', DType.float, ['m', 'k']), tensorInfo('b', DType.float, ['n', 'k'])],
      outputs: [tensorInfo('c', DType.float, ['m', 'n']), tensorInfo('s', DType.float, ['m'])],
    })).catch(() => null)
    if (session) {
      const out = await session.run({
        a: new ort.Tensor('float32', a.data.subarray(0, m * k), [m, k]),
        b: new ort.Tensor('float32', b.data.subarray(0, b.rows * k), [b.rows, k]),
      })
      return {
        product: { rows: m, cols: b.rows, data: out.c.data as Float32Array },
        norms: Float64Array.from(out.s.data as Float32Array),
      }
    }
  }
  const product = await gemm(a, b, { transB: true })
  const norms = new Float64Array(m)
  for (let i = 0; i < m; i++) {
    let s = 0
    for (let c = i * k; c < (i + 1) * k; c++) s += a.data[c] * a.data[c]
    norms[i] = s
  }
  return { product, norms }
}
