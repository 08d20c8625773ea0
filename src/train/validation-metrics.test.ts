import assert from 'node:assert/strict'
import { test } from 'node:test'
import { matrix } from '../compute/matrix.ts'
import { Rng } from '../compute/rng.ts'
import { matrixSource } from '../core/batch-source.ts'
import { destandardize } from '../core/target-stats.ts'
import { createHead } from '../heads/registry.ts'
import { pointwiseRatingLoss, ratingObjective } from '../objectives/rating.ts'
import { validationMetrics } from './validation-metrics.ts'

test('metrics on the rating scale agree with pointwiseRatingLoss over all rows, across chunks', async () => {
  const rng = new Rng(4)
  const n = 37
  const x = matrix(
    n,
    3,
    Float32Array.from({ length: n * 3 }, () => rng.normal()),
  )
  const y = Float32Array.from({ length: n * 2 }, (_, i) => (i % 7 === 2 ? Number.NaN : 5 + 3 * rng.normal()))
  const head = createHead({ type: 'linear', inputDim: 3, outputs: 2 }, rng)
  const stats = [
    { mean: 5, std: 3 },
    { mean: 4, std: 2 },
  ]
  const weights = [0.5, 2]
  const res = await validationMetrics(head, matrixSource(x, y, 2), ratingObjective({ weights }), stats, 10)
  assert.ok(res.value <= 0)
  const metrics = res.metrics as Record<'mse' | 'rmse', number> &
    Record<'count' | 'mseByAttribute' | 'rmseByAttribute', number[]>
  const m = { lRating: res.value, ...metrics }
  const r = destandardize((await head.predict(x)).data, stats)
  const ref = pointwiseRatingLoss(y, r, { attributes: 2, weights })
  assert.ok(Math.abs(m.lRating - ref.value) < 1e-9 * Math.abs(ref.value))
  const unweighted = pointwiseRatingLoss(y, r, { attributes: 2 })
  assert.ok(Math.abs(m.mse + unweighted.value) < 1e-9 * m.mse)
  assert.ok(Math.abs(m.rmse - Math.sqrt(m.mse)) < 1e-12)
  assert.equal(m.count[0] + m.count[1], ref.count)
  for (let a = 0; a < 2; a++) {
    let s = 0
    let c = 0
    for (let i = a; i < y.length; i += 2) {
      if (Number.isNaN(y[i])) continue
      s += (y[i] - r[i]) ** 2
      c++
    }
    assert.ok(Math.abs(m.mseByAttribute[a] - s / c) < 1e-9 * (s / c))
    assert.ok(Math.abs(m.rmseByAttribute[a] - Math.sqrt(s / c)) < 1e-9)
  }
})
