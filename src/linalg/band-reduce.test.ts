import assert from 'node:assert/strict'
import { test } from 'node:test'
import { maxRelErr } from '../../test/helpers/numeric.ts'
import { Rng } from '../compute/rng.ts'
import { factorShiftedBand, reduceToBand, solveBandFactor } from './band-reduce.ts'
import { choleskyFactor, choleskySolve, NotPositiveDefiniteError } from './cholesky.ts'

/** Xᵀ·X for X [rows, n] with a non-zero mean: symmetric PSD, singular when rows < n. */
function gram(rng: Rng, rows: number, n: number): Float64Array {
  const x = Float64Array.from({ length: rows * n }, () => rng.normal() + 0.5)
  const g = new Float64Array(n * n)
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) g[i * n + j] += x[r * n + i] * x[r * n + j]
  }
  return g
}

for (const [n, bw] of [
  [1, 4],
  [2, 1],
  [5, 32],
  [33, 1],
  [40, 3],
  [70, 8],
  [70, 32],
] as const) {
  test(`n=${n}, bandwidth ${bw}: (A + αI)⁻¹·Y through the band matches Cholesky on A + αI`, async () => {
    const rng = new Rng(n * 100 + bw)
    const A = gram(rng, Math.max(2, n - 3), n) // rank-deficient for n > 5: α does the work
    const c = 3
    const y = Float64Array.from({ length: n * c }, () => rng.normal())
    const r = await reduceToBand(A, n, bw)
    for (const alpha of [1e-3, 0.7, 50]) {
      const x = await r.fromBasis(solveBandFactor(r, factorShiftedBand(r, alpha), await r.toBasis(y, c), c), c)
      const S = Float64Array.from(A)
      for (let j = 0; j < n; j++) S[j * n + j] += alpha
      const ref = choleskySolve(choleskyFactor(S, n), n, y, c)
      assert.ok(maxRelErr(x, ref) < 1e-10, `alpha ${alpha}: ${maxRelErr(x, ref)}`)
    }
  })
}

test('Q is orthogonal and A = Q·B·Qᵀ: the basis change keeps norms, inverts, and carries A·y', async () => {
  const rng = new Rng(5)
  const n = 45
  const A = gram(rng, 60, n)
  const r = await reduceToBand(A, n, 4)
  const y = Float64Array.from({ length: n }, () => rng.normal())
  const yHat = await r.toBasis(y, 1)
  const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, t) => s + t * t, 0))
  assert.ok(Math.abs(norm(yHat) - norm(y)) < 1e-12 * norm(y))
  assert.ok(maxRelErr(await r.fromBasis(yHat, 1), y) < 1e-13)
  // B·ŷ from the band storage, mapped back, equals A·y.
  const w = r.bandwidth + 1
  const by = new Float64Array(n)
  for (let j = 0; j < n; j++) {
    by[j] += r.band[j * w] * yHat[j]
    for (let t = 1; t <= r.bandwidth && j + t < n; t++) {
      by[j + t] += r.band[j * w + t] * yHat[j]
      by[j] += r.band[j * w + t] * yHat[j + t]
    }
  }
  const ay = new Float64Array(n)
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) ay[i] += A[i * n + j] * y[j]
  assert.ok(maxRelErr(await r.fromBasis(by, 1), ay) < 1e-12)
})

test('singular A with α = 0 throws NotPositiveDefiniteError; same input gives bit-identical output', async () => {
  const rng = new Rng(6)
  const A = gram(rng, 5, 20)
  const r = await reduceToBand(A, 20, 4)
  assert.throws(() => factorShiftedBand(r, 0), NotPositiveDefiniteError)
  const again = await reduceToBand(A, 20, 4)
  assert.deepEqual(again.band, r.band)
  await assert.rejects(r.toBasis(new Float64Array(7), 1), /expected 20x1/)
  await assert.rejects(reduceToBand(A, 20, 0), /bandwidth must be an integer >= 1/)
})
