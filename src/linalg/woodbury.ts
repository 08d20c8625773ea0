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
import { choleskyFactor, choleskySolve } from './cholesky.ts'
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
  return {
    async solve(alpha) {
      const s = await base.solve(alpha, hat, c)
      const w = new Float64Array(d * q)
      for (let i = 0; i < d; i++) w.set(s.subarray(i * c + m, i * c + c), i * q)
      if (m === 0) return w
      // G = P̂ᵀ·S: [m, c]; K = I − 11ᵀ/n − G[:, :m]; t = K⁻¹·G[:, m:]
      const g = new Float64Array(m * c)
      for (let i = 0; i < d; i++) {
        const row = i * c
        for (let r = 0; r < m; r++) {
          const p = hat[row + r]
          if (p === 0) continue
          const gr = r * c
          for (let j = 0; j < c; j++) g[gr + j] += p * s[row + j]
        }
      }
      const K = new Float64Array(m * m)
      const t = new Float64Array(m * q)
      for (let r = 0; r < m; r++) {
        for (let j = 0; j < m; j++) K[r * m + j] = (r === j ? 1 : 0) - 1 / totalRows - g[r * c + j]
        for (let j = 0; j < q; j++) t[r * q + j] = g[r * c + m + j]
      }
      const y = choleskySolve(choleskyFactor(K, m), m, t, q)
      // Ŵ = S_R + S_P·y
      for (let i = 0; i < d; i++) {
        const row = i * c
        for (let r = 0; r < m; r++) {
          const sp = s[row + r]
          if (sp === 0) continue
          for (let j = 0; j < q; j++) w[i * q + j] += sp * y[r * q + j]
        }
      }
      return w
    },
  }
}
