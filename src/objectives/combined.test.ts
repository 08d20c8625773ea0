import assert from 'node:assert/strict'
import { test } from 'node:test'
import { matrix } from '../compute/matrix.ts'
import { Rng } from '../compute/rng.ts'
import { groupedSource, matrixSource, mixedSource } from '../core/batch-source.ts'
import { standardize } from '../core/target-stats.ts'
import { pairwiseLoss } from './bradley-terry.ts'
import { combinedObjective } from './combined.ts'
import { pointwiseRatingLoss } from './rating.ts'

const stats = [
  { mean: 3, std: 1.5 },
  { mean: 2, std: 0.5 },
]
const w = [0.7, 0.3]

test('combined: λ_r·L_rating (standardized) + λ_p·L_BT(merged reward); the gradient matches finite differences', () => {
  const o = combinedObjective({ attributeWeights: w, ratingWeight: 0.5, pairWeight: 2, center: 0.01 })
  // 3 rated rows (one label missing), then 2 pairs; labels per example: [s1, s2, p, m].
  const N = Number.NaN
  const y = Float32Array.of(4, 1, N, N, 2, N, N, N, 5, 2.5, N, N, N, N, 1, 0, N, N, 0.5, 0.25)
  const rng = new Rng(1)
  const out = Float32Array.from({ length: (3 + 4) * 2 }, () => rng.normal())
  const l = o.batchLoss(y, out, stats)
  const F = (v: Float32Array | number[]) => {
    const z = standardize(Float32Array.of(4, 1, 2, N, 5, 2.5), stats)
    const lr = pointwiseRatingLoss(z, Array.from(v).slice(0, 6), { attributes: 2 }).value
    const r = (row: number) => w.reduce((s, wa, a) => s + wa * (stats[a].mean + stats[a].std * v[row * 2 + a]), 0)
    const bt = pairwiseLoss([r(3), r(5)], [r(4), r(6)], { labels: [1, 0.5], margins: [0, 0.25], center: 0.01 })
    return 0.5 * lr + 2 * bt.value
  }
  const h = 1e-3
  for (let i = 0; i < out.length; i++) {
    const up = Array.from(out)
    const down = Array.from(out)
    up[i] += h
    down[i] -= h
    const numeric = (F(up) - F(down)) / (2 * h)
    assert.ok(Math.abs(l.grad[i] - numeric) < 1e-6, `out[${i}]: ${l.grad[i]} vs ${numeric}`)
  }
  assert.ok(l.value <= 0)
})

test('mixedSource: rated rows first, then pairs; k + 2 labels per example; validation reports both', async () => {
  const d = 2
  const ratings = matrixSource(matrix(3, d, Float32Array.of(1, 0, 0, 1, 1, 1)), Float32Array.of(4, 1, 2, 3, 5, 2), 2)
  const pairRows = matrixSource(
    matrix(4, d, Float32Array.of(1, 1, 0, 0, 2, 0, 0, 2)),
    Float32Array.of(1, 0, 1, 0, 1, 0.5, 1, 0.5),
    2,
  )
  const mixed = mixedSource(ratings, groupedSource(pairRows, 2))
  assert.deepEqual([mixed.rows, mixed.attributes], [5, 4])
  const b = await mixed.read([4, 0, 3])
  assert.deepEqual(Array.from(b.x.data), [1, 0, 2, 0, 0, 2, 1, 1, 0, 0])
  assert.deepEqual(
    Array.from(b.y).map((v) => (Number.isNaN(v) ? null : v)),
    [4, 1, null, null, null, null, 1, 0.5, null, null, 1, 0],
  )
  const o = combinedObjective({ attributeWeights: w })
  assert.equal(o.outputs(mixed), 2)
  assert.ok(o.labelled(b.y, 1, stats))
  const v = o.validation(stats)
  for await (const c of mixed.chunks(2)) v.add(c.y, new Float32Array(c.x.rows * 2))
  const r = v.result()
  assert.ok(Number.isFinite(r.metrics.rmse as number) && Number.isFinite(r.metrics.accuracy as number))
  assert.ok(Math.abs(r.value - ((r.metrics.lRating as number) + (r.metrics.lBT as number))) < 1e-12)
})
