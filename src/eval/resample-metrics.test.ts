import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Rng } from '../compute/rng.ts'
import { ratingMetrics } from './metrics.ts'
import { countsOf, ResampleMetrics } from './resample-metrics.ts'

test('metrics from resample counts equal ratingMetrics on the expanded resample (ties, NaN, tiny and constant cases)', () => {
  const rng = new Rng(11)
  for (const n of [1, 2, 3, 7, 40, 300]) {
    for (const tieLevels of [3, 1000]) {
      const s = Float64Array.from({ length: n }, (_, i) =>
        i % 9 === 4 ? Number.NaN : Math.floor(rng.float() * tieLevels) / 2,
      )
      const r = Float64Array.from(s, (v) => (Number.isNaN(v) ? rng.normal() : Math.round((v + rng.normal()) * 4) / 4))
      const rm = new ResampleMetrics(s, r)
      for (let b = 0; b < 20; b++) {
        const set = Uint32Array.from({ length: n }, () => rng.int(n))
        const got = rm.metrics(countsOf(set, n))
        const want = ratingMetrics(
          Array.from(set, (i) => s[i]),
          Array.from(set, (i) => r[i]),
        )
        for (const [k, v] of Object.entries(want)) {
          const g = got[k as keyof typeof got]
          if (Number.isNaN(v)) assert.ok(Number.isNaN(g), `n=${n} ${k}: ${g} vs NaN`)
          else assert.ok(Math.abs(g - v) <= 1e-9 * Math.max(1, Math.abs(v)), `n=${n} ${k}: ${g} vs ${v}`)
        }
      }
    }
  }
})

test('a constant resample has undefined correlations, as in ratingMetrics', () => {
  const rm = new ResampleMetrics(Float64Array.of(1, 2, 3), Float64Array.of(0.1, 0.2, 0.3))
  const m = rm.metrics(countsOf([1, 1, 1], 3))
  assert.ok(
    Number.isNaN(m.pearson) && Number.isNaN(m.spearman) && Number.isNaN(m.kendall) && Number.isNaN(m.pairwise_accuracy),
  )
  assert.equal(m.n, 3)
  assert.ok(Math.abs(m.mse - 1.8 ** 2) < 1e-12)
})
