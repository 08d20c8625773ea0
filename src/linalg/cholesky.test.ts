import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Rng } from '../compute/rng.ts'
import { choleskyFactor, choleskyFactorBlocked, choleskySolve, NotPositiveDefiniteError } from './cholesky.ts'

/** B·Bᵀ + n·I: symmetric positive definite. */
function randomSpd(rng: Rng, n: number): Float64Array {
  const b = Float64Array.from({ length: n * n }, () => rng.normal())
  const a = new Float64Array(n * n)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = i === j ? n : 0
      for (let p = 0; p < n; p++) s += b[i * n + p] * b[j * n + p]
      a[i * n + j] = s
    }
  }
  return a
}

test('hand case: [[4,2],[2,3]] = L·Lᵀ with L = [[2,0],[1,√2]]', () => {
  const L = choleskyFactor(Float64Array.from([4, 2, 2, 3]), 2)
  assert.deepEqual(Array.from(L), [2, 0, 1, Math.SQRT2])
  const x = choleskySolve(L, 2, Float64Array.from([2, 1]), 1)
  // 4x + 2y = 2, 2x + 3y = 1 → x = 0.5, y = 0
  assert.ok(Math.abs(x[0] - 0.5) < 1e-15 && Math.abs(x[1]) < 1e-15)
})

test('solve with several right-hand sides satisfies A·X = B', () => {
  const rng = new Rng(3)
  const n = 40
  const a = randomSpd(rng, n)
  const b = Float64Array.from({ length: n * 3 }, () => rng.normal())
  const x = choleskySolve(choleskyFactor(a, n), n, b, 3)
  let err = 0
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      let s = 0
      for (let p = 0; p < n; p++) s += a[i * n + p] * x[p * 3 + c]
      err = Math.max(err, Math.abs(s - b[i * 3 + c]))
    }
  }
  assert.ok(err < 1e-10, `residual ${err}`)
})

test('blocked factorization (trailing updates on onnxruntime) matches the plain one', async () => {
  const rng = new Rng(4)
  const n = 150
  const a = randomSpd(rng, n)
  const plain = choleskyFactor(a, n)
  const blocked = await choleskyFactorBlocked(a, n, 16)
  let err = 0
  for (let i = 0; i < n * n; i++) err = Math.max(err, Math.abs(plain[i] - blocked[i]))
  assert.ok(err < 1e-10, `difference ${err}`)
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.equal(blocked[i * n + j], 0)
})

test('indefinite matrix throws NotPositiveDefiniteError naming the pivot', () => {
  assert.throws(
    () => choleskyFactor(Float64Array.from([1, 2, 2, 1]), 2),
    (e: unknown) => e instanceof NotPositiveDefiniteError && e.pivot === 1 && /not positive definite/.test(e.message),
  )
})
