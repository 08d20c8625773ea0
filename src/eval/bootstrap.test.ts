import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bootstrapResamples, percentileInterval, quantile } from './bootstrap.ts'

test('resamples are deterministic for a seed, differ across seeds, and stay in range', () => {
  const a = bootstrapResamples(50, 20, 7)
  const b = bootstrapResamples(50, 20, 7)
  const c = bootstrapResamples(50, 20, 8)
  assert.deepEqual(a, b)
  assert.notDeepEqual(a, c)
  for (const s of a) for (const i of s) assert.ok(i < 50)
  // With replacement: some index repeats in a set of 50 draws from 50 (probability ≈ 1).
  assert.ok(a.some((s) => new Set(s).size < 50))
})

test('quantiles match numpy linear interpolation (hand-computed)', () => {
  // np.percentile([1,2,3,4,5], [10, 50, 90]) = [1.4, 3, 4.6]
  assert.ok(Math.abs(quantile([5, 1, 4, 2, 3], 0.1) - 1.4) < 1e-12)
  assert.equal(quantile([5, 1, 4, 2, 3], 0.5), 3)
  assert.ok(Math.abs(quantile([5, 1, 4, 2, 3], 0.9) - 4.6) < 1e-12)
  // np.percentile([1,2,3,4], 2.5) = 1.075; NaN values are ignored.
  assert.ok(Math.abs(quantile([4, Number.NaN, 3, 2, 1], 0.025) - 1.075) < 1e-12)
  assert.ok(Number.isNaN(quantile([Number.NaN], 0.5)))
  const [lo, hi] = percentileInterval([1, 2, 3, 4, 5], 0.9)
  assert.ok(Math.abs(lo - 1.2) < 1e-12 && Math.abs(hi - 4.8) < 1e-12)
})
