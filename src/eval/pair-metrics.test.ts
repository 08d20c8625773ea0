import assert from 'node:assert/strict'
import { test } from 'node:test'
import { pairMetrics } from './pair-metrics.ts'

test('accuracy counts a tie as half and the margin is chosen minus rejected', () => {
  const m = pairMetrics(Float64Array.of(2, 1, 3, 0.5), Float64Array.of(1, 1, 4, 0))
  assert.deepEqual(m, { accuracy: (2 + 0.5) / 4, mean_margin: (1 + 0 - 1 + 0.5) / 4, ties: 1, n: 4 })
  // Restricted to rows (a subset or a bootstrap resample, repeats allowed).
  assert.deepEqual(pairMetrics([2, 1, 3], [1, 1, 4], [0, 0, 2]), { accuracy: 2 / 3, mean_margin: 1 / 3, ties: 0, n: 3 })
  assert.ok(Number.isNaN(pairMetrics([], []).accuracy))
})
