import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Rng } from '../compute/rng.ts'
import { choleskyFactor, choleskySolve, NotPositiveDefiniteError } from './cholesky.ts'
import { shiftedSolver } from './shifted-solver.ts'

test('band, eigen and cholesky agree with a direct solve of (C + αI)·X = B over a grid', async () => {
  const rng = new Rng(21)
  const n = 50
  const x = Float64Array.from({ length: 30 * n }, () => rng.normal())
  const C = new Float64Array(n * n) // rank 30 < 50: singular
  for (let r = 0; r < 30; r++) {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) C[i * n + j] += x[r * n + i] * x[r * n + j]
  }
  const b = Float64Array.from({ length: n * 2 }, () => rng.normal())
  for (const kind of ['band', 'eigen', 'cholesky'] as const) {
    const s = await shiftedSolver(kind, C, n)
    const bHat = await s.toBasis(b, 2)
    for (const alpha of [1e-4, 0.1, 10, 0.1]) {
      const got = await s.fromBasis(await s.solve(alpha, bHat, 2), 2)
      const A = Float64Array.from(C)
      for (let j = 0; j < n; j++) A[j * n + j] += alpha
      const ref = choleskySolve(choleskyFactor(A, n), n, b, 2)
      let e = 0
      let m = 0
      for (let i = 0; i < ref.length; i++) {
        e = Math.max(e, Math.abs(got[i] - ref[i]))
        m = Math.max(m, Math.abs(ref[i]))
      }
      assert.ok(e / m < 1e-9, `${kind} alpha ${alpha}: ${e / m}`)
    }
  }
  // α = 0 on a singular C: only eigen answers (minimum norm); the others refuse.
  const eig = await shiftedSolver('eigen', C, n)
  const w0 = await eig.fromBasis(await eig.solve(0, await eig.toBasis(b, 2), 2), 2)
  assert.ok(w0.every(Number.isFinite))
  const band = await shiftedSolver('band', C, n)
  await assert.rejects(band.solve(0, await band.toBasis(b, 2), 2), NotPositiveDefiniteError)
})
