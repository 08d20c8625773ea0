import assert from 'node:assert/strict'
import { test } from 'node:test'
import { calibrationBins, outOfScaleShare, spread } from './calibration.ts'

test('equal-count bins compare mean prediction with mean target (hand-computed)', () => {
  const c = calibrationBins([4, 1, 3, 2, 5], [5, 1, 2, Number.NaN, 4], 2)
  // Labelled rows sorted by prediction: (1,1) (3,2) (4,5) (5,4); bins of 2.
  assert.deepEqual(c.bins, [
    { lo: 1, hi: 3, n: 2, mean_prediction: 2, mean_target: 1.5 },
    { lo: 4, hi: 5, n: 2, mean_prediction: 4.5, mean_target: 4.5 },
  ])
  assert.equal(c.error, (2 * 0.5 + 2 * 0) / 4)
  // More bins than rows: one row per bin.
  assert.equal(calibrationBins([1, 2], [1, 2], 10).bins.length, 2)
})

test('spread and out-of-scale share (hand-computed)', () => {
  const s = spread([1, 2, 3, 4])
  assert.equal(s.mean, 2.5)
  assert.ok(Math.abs(s.std - Math.sqrt(1.25)) < 1e-12)
  assert.equal(s.min, 1)
  assert.equal(s.max, 4)
  assert.equal(s.q50, 2.5)
  assert.ok(Math.abs(s.q25 - 1.75) < 1e-12)
  assert.equal(outOfScaleShare([-0.1, 0, 4, 4.2], { min: 0, max: 4 }), 0.5)
})
