/**
 * Solves (C + α·I)·X = B for one symmetric positive semi-definite C and many α, in an orthogonal
 * basis chosen by the factorization, so that a whole α grid shares one factorization:
 *
 *     X = fromBasis( solve(α, toBasis(B)) )
 *
 * - 'band': C = Q·B·Qᵀ with B banded (band-reduce.ts, products on onnxruntime); solve is a banded
 *   Cholesky per α (cached) and O(n·b) per column.
 * - 'eigen': C = V·diag(e)·Vᵀ; solve scales by 1/(e + α) and, at α = 0, drops null directions
 *   (pseudo-inverse, the minimum-norm solution).
 * - 'cholesky': the identity basis; solve factors C + α·I (blocked, on onnxruntime) per new α.
 *
 * Because the bases are orthogonal, inner products such as Bᵀ·(C + α·I)⁻¹·B can be taken in the
 * basis directly, which is what the low-rank missing-label correction (woodbury.ts) relies on.
 *
 * @example
 *   const s = await shiftedSolver('band', C, d)
 *   const bHat = await s.toBasis(b, 1)
 *   const x = await s.fromBasis(await s.solve(0.1, bHat, 1), 1)   // (C + 0.1·I)⁻¹·b
 */

import { factorShiftedBand, reduceToBand, solveBandFactor } from './band-reduce.ts'
import { choleskyFactorBlocked, choleskySolve } from './cholesky.ts'
import { eigenSym } from './eigen-sym.ts'

export type ShiftedSolverKind = 'band' | 'eigen' | 'cholesky'

export interface ShiftedSolver {
  readonly kind: ShiftedSolverKind
  readonly n: number
  /** [n, c] row-major → [n, c] in the solver's basis (a new array). */
  toBasis(b: Float64Array, c: number): Promise<Float64Array>
  /** Back from the basis (a new array). */
  fromBasis(y: Float64Array, c: number): Promise<Float64Array>
  /** (C + α·I)⁻¹·B̂ in the basis; throws NotPositiveDefiniteError when C + α·I is not. */
  solve(alpha: number, bHat: Float64Array, c: number): Promise<Float64Array>
}

/** Factors `C` ([n, n] symmetric PSD row-major; not modified). */
export async function shiftedSolver(kind: ShiftedSolverKind, C: Float64Array, n: number): Promise<ShiftedSolver> {
  if (kind === 'band') {
    const r = await reduceToBand(C, n)
    // Factors per α: mask groups revisit the same grid, and each factor is only n·(b + 1) values.
    const factors = new Map<number, Float64Array>()
    return {
      kind,
      n,
      toBasis: (b, c) => r.toBasis(b, c),
      fromBasis: (y, c) => r.fromBasis(y, c),
      async solve(alpha, bHat, c) {
        let L = factors.get(alpha)
        if (!L) {
          L = factorShiftedBand(r, alpha)
          factors.set(alpha, L)
        }
        return solveBandFactor(r, L, bHat, c)
      },
    }
  }
  if (kind === 'cholesky') {
    let cached: { alpha: number; L: Float64Array } | null = null
    return {
      kind,
      n,
      toBasis: async (b) => Float64Array.from(b),
      fromBasis: async (y) => Float64Array.from(y),
      async solve(alpha, b, c) {
        if (cached?.alpha !== alpha) {
          const A = Float64Array.from(C)
          for (let j = 0; j < n; j++) A[j * n + j] += alpha
          cached = { alpha, L: await choleskyFactorBlocked(A, n) }
        }
        return choleskySolve(cached.L, n, b, c)
      },
    }
  }
  // Row j of vt is eigenvector j.
  const { values, vectors: vt } = eigenSym(C, n)
  // Eigenvalues below rounding level are 0 (C is PSD); with α = 0 they are dropped (pseudo-inverse).
  const cutoff = Math.max(values[n - 1] ?? 0, 0) * n * 2 ** -52
  return {
    kind,
    n,
    async toBasis(b, c) {
      const out = new Float64Array(n * c)
      for (let j = 0; j < n; j++) {
        for (let i = 0; i < n; i++) {
          const v = vt[j * n + i]
          for (let q = 0; q < c; q++) out[j * c + q] += v * b[i * c + q]
        }
      }
      return out
    },
    async fromBasis(y, c) {
      const out = new Float64Array(n * c)
      for (let j = 0; j < n; j++) {
        for (let i = 0; i < n; i++) {
          const v = vt[j * n + i]
          for (let q = 0; q < c; q++) out[i * c + q] += v * y[j * c + q]
        }
      }
      return out
    },
    async solve(alpha, bHat, c) {
      const out = new Float64Array(n * c)
      for (let j = 0; j < n; j++) {
        const e = Math.max(values[j], 0)
        if (alpha === 0 && e <= cutoff) continue
        const inv = 1 / (e + alpha)
        for (let q = 0; q < c; q++) out[j * c + q] = bHat[j * c + q] * inv
      }
      return out
    },
  }
}
