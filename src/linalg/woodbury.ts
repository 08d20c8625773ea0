/**
 * Ridge solves for the rows that have one attribute's label, from a factorization of the Gram of
 * ALL rows: the missing rows are a low-rank correction (Woodbury identity), exact up to rounding.
 *
 * With n rows, full mean x̄, full centred Gram C = Σ(x − x̄)(x − x̄)ᵀ, and the m missing rows
 * centred by the FULL mean as the columns of Dᵀ ([d, m]), the labelled rows' Gram centred by
 * THEIR mean x̄ₐ (so the unpenalized intercept stays exact) is
 *
 *     Cₐ = C − Dᵀ·(I + 11ᵀ/nₐ)·D          nₐ = n − m   (since x̄ₐ − x̄ = −Dᵀ1/nₐ)
 *
 * and, with A = C + α·I,
 *
 *     (Cₐ + α·I)⁻¹ = A⁻¹ + A⁻¹Dᵀ·K⁻¹·D·A⁻¹,   K = I − 11ᵀ/n − D·A⁻¹·Dᵀ   ([m, m])
 *
 * K is positive definite exactly when Cₐ + α·I is (Schur complements), so it is factored by
 * Cholesky. Each α costs one base solve with m + q columns and O(d·m² + m³), instead of a fresh
 * O(d³) factorization of Cₐ.
 *
 * @example
 *   const base = await shiftedSolver('tridiagonal', C, d)
 *   const masked = await prepareMaskedSolve(base, Dt, m, totalRows, rhs, q)
 *   const wHat = await masked.solve(alpha)   // [d, q] in base's basis
 *   await base.fromBasis(wHat, q)                // (Cₐ + α·I)⁻¹·rhs
 */
import { gemm } from '../compute/matmul.ts'
import { choleskyFactor, choleskySolve, NotPositiveDefiniteError } from './cholesky.ts'
import type { ShiftedSolver } from './shifted-solver.ts'

export interface MaskedSolve {
  /** (Cₐ + α·I)⁻¹·rhs in the base solver's basis, [d, q]. */
  solve(alpha: number): Promise<Float64Array>
}

/**
 * `Dt`: [d, m] row-major, the missing rows centred by the mean of all `totalRows` rows, as columns.
 * `rhs`: [d, q] right-hand sides (in the original basis).
 */
export async function prepareMaskedSolve(
  base: ShiftedSolver,
  Dt: Float64Array,
  m: number,
  totalRows: number,
  rhs: Float64Array,
  q: number,
): Promise<MaskedSolve> {
  const d = base.n
  if (Dt.length !== d * m) throw new RangeError(`prepareMaskedSolve: Dt has ${Dt.length} values, expected ${d}x${m}`)
  if (rhs.length !== d * q) throw new RangeError(`prepareMaskedSolve: rhs has ${rhs.length} values, expected ${d}x${q}`)
  if (!(m < totalRows)) throw new RangeError(`prepareMaskedSolve: ${m} missing rows of ${totalRows} leaves none`)
  const c = m + q
  // [P̂ | R̂] = basis(Dᵀ | rhs): one basis change for both.
  const joined = new Float64Array(d * c)
  for (let i = 0; i < d; i++) {
    joined.set(Dt.subarray(i * m, i * m + m), i * c)
    joined.set(rhs.subarray(i * q, i * q + q), i * c + m)
  }
  const hat = await base.toBasis(joined, c)
  const pData = new Float64Array(d * m)
  for (let i = 0; i < d; i++) pData.set(hat.subarray(i * c, i * c + m), i * m)
  const pHat = { rows: d, cols: m, data: pData }
  return {
    async solve(alpha) {
      const s = await base.solve(alpha, hat, c)
      const w = new Float64Array(d * q)
      for (let i = 0; i < d; i++) w.set(s.subarray(i * c + m, i * c + c), i * q)
      if (m === 0) return w
      // G = P̂ᵀ·S: [m, c]; K = I − 11ᵀ/n − G[:, :m]; y = K⁻¹·G[:, m:]. Products on onnxruntime
      // above its threshold: at d = 4096 with m ≈ 90 they are ~50 M multiply-adds per α.
      const g = (await gemm(pHat, { rows: d, cols: c, data: s }, { transA: true })).data
      const K = new Float64Array(m * m)
      const t = new Float64Array(m * q)
      for (let r = 0; r < m; r++) {
        for (let j = 0; j < m; j++) K[r * m + j] = (r === j ? 1 : 0) - 1 / totalRows - g[r * c + j]
        for (let j = 0; j < q; j++) t[r * q + j] = g[r * c + m + j]
      }
      const y = choleskySolve(choleskyFactor(K, m), m, t, q)
      // Ŵ = S_R + S_P·y
      const sp = new Float64Array(d * m)
      for (let i = 0; i < d; i++) sp.set(s.subarray(i * c, i * c + m), i * m)
      const spy = (await gemm({ rows: d, cols: m, data: sp }, { rows: m, cols: q, data: y })).data
      for (let i = 0; i < d * q; i++) w[i] += spy[i]
      return w
    },
  }
}

/**
 * The same problem in the dual, for fewer rows than features. With X_c [n, d] all rows centred by
 * their mean, K = X_c·X_cᵀ (factored by `kernel`), the missing rows M and Π = I − 11ᵀ/n, the
 * labelled rows' right-hand side is X_cᵀ·r (r [n, q]: centred standardized labels on the
 * labelled rows, 0 on M) and the missing rows are X_cᵀ·F, F = Π·E_M. Push-through
 * ((C + αI)⁻¹X_cᵀ = X_cᵀ(K + αI)⁻¹) and Woodbury then give, with no cancellation and no 1/α:
 *
 *     W = X_cᵀ·u,   u = S_r − S_F·(Fᵀ·S_F)⁻¹·Fᵀ·S_r,   S = (K + α·I)⁻¹·[F | r]
 *
 * (Fᵀ·S_F is positive definite for α > 0). Each α costs one kernel solve with m + q columns.
 *
 * @example
 *   const masked = await prepareMaskedSolveDual(kernel, missing, r, q)
 *   const uHat = await masked.solve(alpha)           // [n, q] in kernel's basis
 *   // W = X_cᵀ · kernel.fromBasis(uHat, q)
 */
export async function prepareMaskedSolveDual(
  kernel: ShiftedSolver,
  missing: number[],
  r: Float64Array,
  q: number,
): Promise<MaskedSolve> {
  const n = kernel.n
  const m = missing.length
  if (r.length !== n * q) throw new RangeError(`prepareMaskedSolveDual: r has ${r.length} values, expected ${n}x${q}`)
  if (!(m < n)) throw new RangeError(`prepareMaskedSolveDual: ${m} missing rows of ${n} leaves none`)
  const c = m + q
  const F = new Float64Array(n * c)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) F[i * c + j] = -1 / n
    F.set(r.subarray(i * q, i * q + q), i * c + m)
  }
  missing.forEach((i, j) => {
    F[i * c + j] += 1
  })
  const hat = await kernel.toBasis(F, c)
  // F̂ alone, [n, m], for the two products per α below (on onnxruntime above its threshold).
  const fHat = new Float64Array(n * m)
  for (let i = 0; i < n; i++) fHat.set(hat.subarray(i * c, i * c + m), i * m)
  const fm = { rows: n, cols: m, data: fHat }
  return {
    async solve(alpha) {
      if (!(alpha > 0)) throw new NotPositiveDefiniteError(0, alpha)
      const s = await kernel.solve(alpha, hat, c)
      const u = new Float64Array(n * q)
      for (let i = 0; i < n; i++) u.set(s.subarray(i * c + m, i * c + c), i * q)
      if (m === 0) return u
      // G = F̂ᵀ·S [m, c] (inner products are basis-free).
      const g = (await gemm(fm, { rows: n, cols: c, data: s }, { transA: true })).data
      const K = new Float64Array(m * m)
      const t = new Float64Array(m * q)
      for (let j = 0; j < m; j++) {
        K.set(g.subarray(j * c, j * c + m), j * m)
        t.set(g.subarray(j * c + m, j * c + c), j * q)
      }
      const y = choleskySolve(choleskyFactor(K, m), m, t, q)
      // u −= S_F·y
      const sf = new Float64Array(n * m)
      for (let i = 0; i < n; i++) sf.set(s.subarray(i * c, i * c + m), i * m)
      const sfy = (await gemm({ rows: n, cols: m, data: sf }, { rows: m, cols: q, data: y })).data
      for (let i = 0; i < n * q; i++) u[i] -= sfy[i]
      return u
    },
  }
}
