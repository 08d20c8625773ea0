/**
 * Cholesky factorization A = L·Lᵀ of a symmetric positive definite matrix, in float64, and solves
 * with it. `choleskyFactor` is plain TypeScript (~n³/3 multiply-adds, fine up to n ≈ 1000);
 * `choleskyFactorBlocked` is right-looking blocked: the O(n³) trailing updates A₂₂ -= L₂₁·L₂₁ᵀ run
 * through `gemm` on onnxruntime (float64, ~50 GFLOP/s here), so n = 4096 factors in about a second.
 *
 * @example
 *   const L = choleskyFactor(Float64Array.from([4, 2, 2, 3]), 2)   // [2, 0, 1, 1.414…]
 *   choleskySolve(L, 2, Float64Array.from([2, 1]), 1)               // x with A·x = [2, 1]
 */
import { gemm } from '../compute/matmul.ts'

/** Thrown when the matrix is not (numerically) positive definite; `pivot` is the failing column. */
export class NotPositiveDefiniteError extends Error {
  override name = 'NotPositiveDefiniteError'
  constructor(
    readonly pivot: number,
    readonly value: number,
  ) {
    super(`matrix is not positive definite: pivot ${pivot} is ${value} (add a larger ridge alpha)`)
  }
}

/**
 * Factors the lower triangle of `a` ([n, n] row-major) in place into L (upper triangle zeroed).
 * Only the block rows/cols [from, to) are factored, assuming earlier columns are already done and
 * their updates applied — the building block of the blocked version.
 */
function factorPanel(a: Float64Array, n: number, from: number, to: number): void {
  // Diagonal block, column by column.
  for (let j = from; j < to; j++) {
    const rj = j * n
    let s = a[rj + j]
    for (let p = from; p < j; p++) s -= a[rj + p] * a[rj + p]
    if (!(s > 0)) throw new NotPositiveDefiniteError(j, s)
    const ljj = Math.sqrt(s)
    a[rj + j] = ljj
    for (let i = j + 1; i < to; i++) {
      const ri = i * n
      let t = a[ri + j]
      for (let p = from; p < j; p++) t -= a[ri + p] * a[rj + p]
      a[ri + j] = t / ljj
    }
  }
  // Rows below: L21 = A21·L11⁻ᵀ, one row at a time on compact copies of L11 and of the row
  // segment: rows of `a` are n·8 bytes apart, a power-of-two stride that thrashes the cache.
  const b = to - from
  const l11 = new Float64Array(b * b)
  for (let j = 0; j < b; j++) l11.set(a.subarray((from + j) * n + from, (from + j) * n + from + j + 1), j * b)
  const r = new Float64Array(b)
  for (let i = to; i < n; i++) {
    const ri = i * n + from
    r.set(a.subarray(ri, ri + b))
    for (let j = 0; j < b; j++) {
      const rj = j * b
      let t = r[j]
      for (let p = 0; p < j; p++) t -= r[p] * l11[rj + p]
      r[j] = t / l11[rj + j]
    }
    a.set(r, ri)
  }
}

function zeroUpper(a: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) a.fill(0, i * n + i + 1, i * n + n)
}

/** L with A = L·Lᵀ; `a` is [n, n] row-major symmetric (only the lower triangle is read). */
export function choleskyFactor(a: Float64Array, n: number): Float64Array {
  if (a.length !== n * n) throw new RangeError(`cholesky: matrix has ${a.length} values, expected ${n}x${n}`)
  const L = Float64Array.from(a)
  factorPanel(L, n, 0, n)
  zeroUpper(L, n)
  return L
}

/**
 * Same result as `choleskyFactor` up to rounding, with the trailing updates on onnxruntime.
 * Panels of `block` columns are factored in TypeScript (n·block²/2 work each).
 */
export async function choleskyFactorBlocked(a: Float64Array, n: number, block = 128): Promise<Float64Array> {
  if (a.length !== n * n) throw new RangeError(`cholesky: matrix has ${a.length} values, expected ${n}x${n}`)
  if (n <= 2 * block) return choleskyFactor(a, n)
  const L = Float64Array.from(a)
  for (let j0 = 0; j0 < n; j0 += block) {
    const j1 = Math.min(n, j0 + block)
    factorPanel(L, n, j0, j1)
    const m = n - j1
    if (m === 0) break
    const b = j1 - j0
    // L21: rows j1.., cols j0..j1 → contiguous [m, b]; trailing A22 -= L21·L21ᵀ (lower half used).
    const l21 = new Float64Array(m * b)
    for (let i = 0; i < m; i++) l21.set(L.subarray((j1 + i) * n + j0, (j1 + i) * n + j1), i * b)
    const mat = { rows: m, cols: b, data: l21 }
    const upd = await gemm(mat, mat, { transB: true })
    const u = upd.data
    for (let i = 0; i < m; i++) {
      const ri = (j1 + i) * n + j1
      const ui = i * m
      for (let c = 0; c <= i; c++) L[ri + c] -= u[ui + c]
    }
  }
  zeroUpper(L, n)
  return L
}

/** Solves L·Lᵀ·X = B for X; B: [n, k] row-major (k right-hand sides). Returns a new array. */
export function choleskySolve(L: Float64Array, n: number, b: Float64Array, k: number): Float64Array {
  if (b.length !== n * k)
    throw new RangeError(`choleskySolve: right-hand side has ${b.length} values, expected ${n}x${k}`)
  const x = Float64Array.from(b)
  // Forward: L·Y = B.
  for (let i = 0; i < n; i++) {
    const ri = i * n
    for (let p = 0; p < i; p++) {
      const l = L[ri + p]
      if (l === 0) continue
      for (let c = 0; c < k; c++) x[i * k + c] -= l * x[p * k + c]
    }
    const d = L[ri + i]
    for (let c = 0; c < k; c++) x[i * k + c] /= d
  }
  // Backward: Lᵀ·X = Y.
  for (let i = n - 1; i >= 0; i--) {
    for (let p = i + 1; p < n; p++) {
      const l = L[p * n + i]
      if (l === 0) continue
      for (let c = 0; c < k; c++) x[i * k + c] -= l * x[p * k + c]
    }
    const d = L[i * n + i]
    for (let c = 0; c < k; c++) x[i * k + c] /= d
  }
  return x
}
