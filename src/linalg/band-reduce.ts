/**
 * Orthogonal reduction of a real symmetric matrix to a band, A = Q·B·Qᵀ (B symmetric with
 * `bandwidth` sub-diagonals), in float64, and solves of (A + α·I)·X = Y through it.
 *
 * Why a band and not a tridiagonal: one-stage tridiagonalization spends half its flops in
 * matrix-vector products, memory-bound and one reflector at a time. Reducing to a band of width
 * b (LAPACK's sy2sb, the first stage of two-stage reductions) needs only panel QRs (n·b² per
 * panel, plain TypeScript) and matrix-matrix products with b columns, which run on onnxruntime:
 * about 2·n³ flops, all in gemm. A ridge grid then needs no second stage: (B + α·I) is a banded
 * SPD matrix whose Cholesky costs n·b²/2 and each solve 4·n·b per column, so every α after the
 * reduction is cheap, and the result is exact up to rounding (orthogonal transforms only).
 *
 * Q is never formed: each panel's reflectors are kept as one block P = I − V·T·Vᵀ (compact WY)
 * and applied to blocks of vectors with two products each.
 *
 * @example
 *   const r = await reduceToBand(A, n)                       // A: [n, n] symmetric
 *   const yHat = await r.toBasis(y, 1)                       // Qᵀ·y
 *   const L = factorShiftedBand(r, 0.5)                      // B + 0.5·I = L·Lᵀ, banded
 *   const x = await r.fromBasis(solveBandFactor(r, L, yHat, 1), 1)   // (A + 0.5·I)⁻¹·y
 */
import { gemm } from '../compute/matmul.ts'
import { NotPositiveDefiniteError } from './cholesky.ts'

/** Default number of sub-diagonals: wide enough for efficient products, narrow enough for cheap solves. */
export const DEFAULT_BANDWIDTH = 32

export interface BandReduction {
  readonly n: number
  /** Sub-diagonals kept (≥ 1). */
  readonly bandwidth: number
  /** B in lower band storage: band[i·(bandwidth + 1) + t] = B[i + t][i], t = 0 … bandwidth. */
  readonly band: Float64Array
  /** Qᵀ·Y for Y: [n, c] row-major; returns a new array. */
  toBasis(y: Float64Array, c: number): Promise<Float64Array>
  /** Q·X for X: [n, c] row-major; returns a new array. */
  fromBasis(x: Float64Array, c: number): Promise<Float64Array>
}

/** One panel's reflectors as P = I − V·T·Vᵀ acting on rows `row0` … n−1. */
interface Panel {
  row0: number
  kr: number
  /** [n − row0, kr] row-major, column j is reflector j (zero above its row j). */
  V: Float64Array
  /** [kr, kr] upper triangular (LAPACK dlarft, forward, columnwise). */
  T: Float64Array
}

/** `a`: [n, n] symmetric row-major (the lower triangle is read). Not modified. */
export async function reduceToBand(a: Float64Array, n: number, bandwidth = DEFAULT_BANDWIDTH): Promise<BandReduction> {
  if (a.length !== n * n) throw new RangeError(`reduceToBand: matrix has ${a.length} values, expected ${n}x${n}`)
  if (!(Number.isInteger(bandwidth) && bandwidth >= 1)) {
    throw new RangeError(`reduceToBand: bandwidth must be an integer >= 1, got ${bandwidth}`)
  }
  const b = bandwidth
  const w = b + 1
  const band = new Float64Array(n * w)
  // S: the trailing matrix (rows/cols start … n−1), both triangles, contiguous [mt, mt].
  let S = Float64Array.from(a)
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) S[i * n + j] = S[j * n + i]
  let mt = n
  const panels: Panel[] = []
  for (let k0 = 0; k0 < n; k0 += b) {
    const bw = Math.min(b, n - k0)
    // The diagonal block of this panel's columns is final: copy it into the band.
    for (let c = 0; c < bw; c++) for (let r = c; r < bw; r++) band[(k0 + c) * w + (r - c)] = S[r * mt + c]
    const m = mt - bw
    if (m === 0) break
    // Panel below the band, [m, bw]: QR by Householder (LAPACK dgeqr2); R goes into the band.
    const P = new Float64Array(m * bw)
    for (let i = 0; i < m; i++) P.set(S.subarray((bw + i) * mt, (bw + i) * mt + bw), i * bw)
    const kr = Math.min(m, bw)
    const V = new Float64Array(m * kr)
    const tau = new Float64Array(kr)
    householderQr(P, m, bw, V, tau, kr)
    for (let c = 0; c < bw; c++) {
      for (let r = 0; r <= Math.min(c, m - 1); r++) band[(k0 + c) * w + (b + r - c)] = P[r * bw + c]
    }
    // Trailing A₂₂ ← Pᵀ·A₂₂·P = A₂₂ − Z·Vᵀ − V·Zᵀ with X = A₂₂·V·T, Z = X − ½·V·(Tᵀ·Vᵀ·X).
    // X = S[bw:, :]·[0; V·T]: the zero rows keep S's rows contiguous, so A₂₂ is not copied.
    const T = blockFactor(V, tau, m, kr)
    const vt = new Float64Array(mt * kr)
    vt.set(upperTimes(V, m, kr, T), bw * kr)
    const X = (await gemm({ rows: m, cols: mt, data: S.subarray(bw * mt, mt * mt) }, { rows: mt, cols: kr, data: vt }))
      .data
    const vm = { rows: m, cols: kr, data: V }
    const vx = (await gemm(vm, { rows: m, cols: kr, data: X }, { transA: true })).data // Vᵀ·X: [kr, kr]
    // half = ½·Tᵀ·(Vᵀ·X) (T upper triangular)
    const half = new Float64Array(kr * kr)
    for (let i = 0; i < kr; i++) {
      for (let q = 0; q <= i; q++) {
        const t = 0.5 * T[q * kr + i]
        if (t === 0) continue
        for (let j = 0; j < kr; j++) half[i * kr + j] += t * vx[q * kr + j]
      }
    }
    const vh = (await gemm(vm, { rows: kr, cols: kr, data: half })).data // ½·V·(Tᵀ·Vᵀ·X): [m, kr]
    const U = new Float64Array(m * 2 * kr)
    const Y = new Float64Array(m * 2 * kr)
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < kr; j++) {
        const z = X[i * kr + j] - vh[i * kr + j]
        const v = V[i * kr + j]
        U[i * 2 * kr + j] = z
        U[i * 2 * kr + kr + j] = v
        Y[i * 2 * kr + j] = v
        Y[i * 2 * kr + kr + j] = z
      }
    }
    const upd = (await gemm({ rows: m, cols: 2 * kr, data: U }, { rows: m, cols: 2 * kr, data: Y }, { transB: true }))
      .data
    // The new trailing matrix, written over the product: upd = A₂₂ − upd.
    for (let i = 0; i < m; i++) {
      const src = (bw + i) * mt + bw
      const dst = i * m
      for (let j = 0; j < m; j++) upd[dst + j] = S[src + j] - upd[dst + j]
    }
    S = upd
    mt = m
    panels.push({ row0: k0 + bw, kr, V, T })
  }

  // Y[row0 …] −= V·op(T)·(Vᵀ·Y[row0 …]): op = Tᵀ applies Pᵀ, op = T applies P.
  const applyPanel = async (Y: Float64Array, c: number, pan: Panel, transpose: boolean) => {
    const { row0, kr, V, T } = pan
    const m = n - row0
    const sub = Y.subarray(row0 * c, n * c)
    const vm = { rows: m, cols: kr, data: V }
    const y = (await gemm(vm, { rows: m, cols: c, data: sub }, { transA: true })).data // [kr, c]
    const z = new Float64Array(kr * c)
    for (let i = 0; i < kr; i++) {
      for (let q = 0; q < kr; q++) {
        const t = transpose ? T[q * kr + i] : T[i * kr + q]
        if (t === 0) continue
        for (let r = 0; r < c; r++) z[i * c + r] += t * y[q * c + r]
      }
    }
    const vz = (await gemm(vm, { rows: kr, cols: c, data: z })).data // [m, c]
    for (let i = 0; i < sub.length; i++) sub[i] -= vz[i]
  }
  const check = (y: Float64Array, c: number, what: string) => {
    if (y.length !== n * c) throw new RangeError(`${what}: block has ${y.length} values, expected ${n}x${c}`)
  }
  return {
    n,
    bandwidth: b,
    band,
    async toBasis(y, c) {
      check(y, c, 'toBasis')
      const Y = Float64Array.from(y)
      for (const pan of panels) await applyPanel(Y, c, pan, true)
      return Y
    },
    async fromBasis(x, c) {
      check(x, c, 'fromBasis')
      const Y = Float64Array.from(x)
      for (let i = panels.length - 1; i >= 0; i--) await applyPanel(Y, c, panels[i], false)
      return Y
    },
  }
}

/**
 * Householder QR of P [m, cols] in place (R in the upper triangle); reflector j goes to column j
 * of V [m, kr] with v_j[j] = 1 … (LAPACK's normalization, so V is unit lower trapezoidal).
 */
function householderQr(P: Float64Array, m: number, cols: number, V: Float64Array, tau: Float64Array, kr: number) {
  for (let j = 0; j < kr; j++) {
    let scale = 0
    for (let i = j; i < m; i++) scale = Math.max(scale, Math.abs(P[i * cols + j]))
    let tail = 0
    for (let i = j + 1; i < m; i++) tail += (P[i * cols + j] / (scale || 1)) ** 2
    if (tail === 0) continue // nothing below the diagonal: τ = 0
    const x0 = P[j * cols + j]
    const norm = scale * Math.sqrt((x0 / scale) ** 2 + tail)
    const beta = x0 > 0 ? -norm : norm
    const v0 = x0 - beta
    // v = x / v0 with v[j] = 1; τ = (beta − x0) / beta.
    V[j * kr + j] = 1
    for (let i = j + 1; i < m; i++) V[i * kr + j] = P[i * cols + j] / v0
    const t = (beta - x0) / beta
    tau[j] = t
    P[j * cols + j] = beta
    for (let i = j + 1; i < m; i++) P[i * cols + j] = 0
    // Apply H = I − τ·v·vᵀ to the remaining columns.
    for (let c = j + 1; c < cols; c++) {
      let s = P[j * cols + c]
      for (let i = j + 1; i < m; i++) s += V[i * kr + j] * P[i * cols + c]
      s *= t
      P[j * cols + c] -= s
      for (let i = j + 1; i < m; i++) P[i * cols + c] -= s * V[i * kr + j]
    }
  }
}

/** T with H_0⋯H_(kr−1) = I − V·T·Vᵀ, H_j = I − τ_j·v_j·v_jᵀ (LAPACK dlarft, forward, columnwise). */
function blockFactor(V: Float64Array, tau: Float64Array, m: number, kr: number): Float64Array {
  const T = new Float64Array(kr * kr)
  const t = new Float64Array(kr)
  for (let j = 0; j < kr; j++) {
    T[j * kr + j] = tau[j]
    if (j === 0 || tau[j] === 0) continue
    // t = −τ_j·V[:, :j]ᵀ·v_j; T[:j, j] = T[:j, :j]·t
    t.fill(0, 0, j)
    for (let r = j; r < m; r++) {
      const vr = V[r * kr + j]
      if (vr === 0) continue
      for (let q = 0; q < j; q++) t[q] += V[r * kr + q] * vr
    }
    for (let q = 0; q < j; q++) t[q] *= -tau[j]
    for (let i = 0; i < j; i++) {
      let s = 0
      for (let q = i; q < j; q++) s += T[i * kr + q] * t[q]
      T[i * kr + j] = s
    }
  }
  return T
}

/** M·T for M [rows, k] and T [k, k] upper triangular. */
function upperTimes(M: Float64Array, rows: number, k: number, T: Float64Array): Float64Array {
  const out = new Float64Array(rows * k)
  for (let i = 0; i < rows; i++) {
    for (let q = 0; q < k; q++) {
      const mq = M[i * k + q]
      if (mq === 0) continue
      for (let j = q; j < k; j++) out[i * k + j] += mq * T[q * k + j]
    }
  }
  return out
}

/**
 * Cholesky factor of B + α·I for the band B of `r` (n·b²/2 flops), in the same lower band storage:
 * L[j·(b + 1) + t] = L[j + t][j]. Throws NotPositiveDefiniteError when B + α·I is not positive
 * definite (α too small for a singular B).
 */
export function factorShiftedBand(r: BandReduction, alpha: number): Float64Array {
  const { n, bandwidth: b, band } = r
  const w = b + 1
  const L = Float64Array.from(band)
  for (let j = 0; j < n; j++) L[j * w] += alpha
  for (let j = 0; j < n; j++) {
    const d = L[j * w]
    if (!(d > 0)) throw new NotPositiveDefiniteError(j, d)
    const ljj = Math.sqrt(d)
    L[j * w] = ljj
    const last = Math.min(b, n - 1 - j)
    for (let t = 1; t <= last; t++) L[j * w + t] /= ljj
    // Trailing update of the band: A[j+s][j+t] −= L[j+s][j]·L[j+t][j] for 1 ≤ t ≤ s ≤ last.
    for (let t = 1; t <= last; t++) {
      const lt = L[j * w + t]
      if (lt === 0) continue
      const col = (j + t) * w
      for (let s = t; s <= last; s++) L[col + (s - t)] -= L[j * w + s] * lt
    }
  }
  return L
}

/** (B + α·I)⁻¹·Y from `factorShiftedBand`'s L: two banded triangular solves. Y: [n, c]; a new array. */
export function solveBandFactor(r: BandReduction, L: Float64Array, y: Float64Array, c: number): Float64Array {
  const { n, bandwidth: b } = r
  if (y.length !== n * c) throw new RangeError(`solveBandFactor: Y has ${y.length} values, expected ${n}x${c}`)
  const w = b + 1
  const x = Float64Array.from(y)
  // Forward: L·z = y.
  for (let j = 0; j < n; j++) {
    const inv = 1 / L[j * w]
    const rj = j * c
    for (let q = 0; q < c; q++) x[rj + q] *= inv
    const last = Math.min(b, n - 1 - j)
    for (let t = 1; t <= last; t++) {
      const l = L[j * w + t]
      if (l === 0) continue
      const ri = (j + t) * c
      for (let q = 0; q < c; q++) x[ri + q] -= l * x[rj + q]
    }
  }
  // Backward: Lᵀ·x = z.
  for (let j = n - 1; j >= 0; j--) {
    const rj = j * c
    const last = Math.min(b, n - 1 - j)
    for (let t = 1; t <= last; t++) {
      const l = L[j * w + t]
      if (l === 0) continue
      const ri = (j + t) * c
      for (let q = 0; q < c; q++) x[rj + q] -= l * x[ri + q]
    }
    const inv = 1 / L[j * w]
    for (let q = 0; q < c; q++) x[rj + q] *= inv
  }
  return x
}
