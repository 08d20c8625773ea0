import assert from 'node:assert/strict'
import { test } from 'node:test'
import { maxRelErr } from '../../test/helpers/numeric.ts'
import { Rng } from '../compute/rng.ts'
import { choleskyFactor, choleskySolve } from './cholesky.ts'
import { type ShiftedSolverKind, shiftedSolver } from './shifted-solver.ts'
import { prepareMaskedSolve, prepareMaskedSolveDual } from './woodbury.ts'

/** Centred Gram Σ(x − x̄)(x − x̄)ᵀ of the rows `keep` (their own mean). */
function centredGram(x: Float64Array, d: number, keep: number[]): Float64Array {
  const mean = new Float64Array(d)
  for (const r of keep) for (let j = 0; j < d; j++) mean[j] += x[r * d + j] / keep.length
  const g = new Float64Array(d * d)
  for (const r of keep) {
    for (let i = 0; i < d; i++) {
      const xi = x[r * d + i] - mean[i]
      for (let j = 0; j < d; j++) g[i * d + j] += xi * (x[r * d + j] - mean[j])
    }
  }
  return g
}

for (const kind of ['band', 'eigen', 'cholesky'] as ShiftedSolverKind[]) {
  test(`${kind}: full Gram + Woodbury equals the labelled rows' own centred Gram solved directly (1e-9)`, async () => {
    const rng = new Rng(11)
    const n = 90
    const d = 24
    const q = 2
    // Features with a large common offset, so centring per attribute matters.
    const x = Float64Array.from({ length: n * d }, () => rng.normal() + 3)
    const rhs = Float64Array.from({ length: d * q }, () => rng.normal())
    const base = await shiftedSolver(kind, centredGram(x, d, [...Array(n).keys()]), d)
    for (const missing of [[], [7], [0, 5, 6, 40, 41, 89], [...Array(20).keys()].map((i) => i * 4 + 1)]) {
      const m = missing.length
      const fullMean = new Float64Array(d)
      for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) fullMean[j] += x[r * d + j] / n
      const Dt = new Float64Array(d * m)
      missing.forEach((r, i) => {
        for (let j = 0; j < d; j++) Dt[j * m + i] = x[r * d + j] - fullMean[j]
      })
      const masked = await prepareMaskedSolve(base, Dt, m, n, rhs, q)
      const keep = [...Array(n).keys()].filter((r) => !missing.includes(r))
      const Ca = centredGram(x, d, keep)
      for (const alpha of [0.01, 1, 300]) {
        const w = await base.fromBasis(await masked.solve(alpha), q)
        const S = Float64Array.from(Ca)
        for (let j = 0; j < d; j++) S[j * d + j] += alpha
        const ref = choleskySolve(choleskyFactor(S, d), d, rhs, q)
        assert.ok(maxRelErr(w, ref) < 1e-9, `m=${m} alpha=${alpha}: ${maxRelErr(w, ref)}`)
      }
    }
  })
}

test('bad shapes are refused', async () => {
  const base = await shiftedSolver('cholesky', Float64Array.from([2, 0, 0, 2]), 2)
  await assert.rejects(prepareMaskedSolve(base, new Float64Array(3), 1, 5, new Float64Array(2), 1), /Dt has 3/)
  await assert.rejects(prepareMaskedSolve(base, new Float64Array(4), 2, 2, new Float64Array(2), 1), /leaves none/)
})

test('dual: kernel + Woodbury equals the labelled rows solved directly in the primal (1e-9)', async () => {
  const rng = new Rng(12)
  const n = 30
  const d = 45 // fewer rows than features
  const q = 2
  const x = Float64Array.from({ length: n * d }, () => rng.normal() + 2)
  const z = Float64Array.from({ length: n * q }, () => rng.normal())
  const mean = new Float64Array(d)
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) mean[j] += x[r * d + j] / n
  const xc = Float64Array.from(x, (v, i) => v - mean[i % d])
  const K = new Float64Array(n * n)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) for (let t = 0; t < d; t++) K[i * n + j] += xc[i * d + t] * xc[j * d + t]
  }
  for (const kind of ['band', 'cholesky'] as const) {
    const kernel = await shiftedSolver(kind, K, n)
    for (const missing of [[], [3], [0, 7, 8, 29]]) {
      const keep = [...Array(n).keys()].filter((r) => !missing.includes(r))
      // r: labels centred over the labelled rows, 0 on the missing ones.
      const r = new Float64Array(n * q)
      for (let c = 0; c < q; c++) {
        const zm = keep.reduce((s, i) => s + z[i * q + c], 0) / keep.length
        for (const i of keep) r[i * q + c] = z[i * q + c] - zm
      }
      const masked = await prepareMaskedSolveDual(kernel, missing, r, q)
      const Ca = centredGram(x, d, keep)
      // Primal right-hand side X̃ᵀz̃ over the labelled rows.
      const xm = new Float64Array(d)
      for (const i of keep) for (let j = 0; j < d; j++) xm[j] += x[i * d + j] / keep.length
      const rhs = new Float64Array(d * q)
      for (const i of keep)
        for (let j = 0; j < d; j++) for (let c = 0; c < q; c++) rhs[j * q + c] += (x[i * d + j] - xm[j]) * r[i * q + c]
      for (const alpha of [1e-3, 1, 300]) {
        const u = await kernel.fromBasis(await masked.solve(alpha), q)
        const w = new Float64Array(d * q)
        for (let i = 0; i < n; i++)
          for (let j = 0; j < d; j++) for (let c = 0; c < q; c++) w[j * q + c] += xc[i * d + j] * u[i * q + c]
        const S = Float64Array.from(Ca)
        for (let j = 0; j < d; j++) S[j * d + j] += alpha
        const ref = choleskySolve(choleskyFactor(S, d), d, rhs, q)
        assert.ok(maxRelErr(w, ref) < 1e-9, `${kind} m=${missing.length} alpha=${alpha}: ${maxRelErr(w, ref)}`)
      }
      if (kind === 'cholesky') await assert.rejects(masked.solve(0), /not positive definite/)
    }
  }
})
