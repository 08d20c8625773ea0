import assert from 'node:assert/strict'
import { test } from 'node:test'
import { matrix } from '../compute/matrix.ts'
import { matrixSource } from './batch-source.ts'
import { destandardize, fitTargetStats, standardize } from './target-stats.ts'

test('per-attribute mean and population std ignore NaN; constant or unlabelled attributes get std 1', async () => {
  const y = Float32Array.from([
    1,
    7,
    5,
    Number.NaN,
    2,
    7,
    4,
    Number.NaN,
    3,
    7,
    6,
    Number.NaN,
    Number.NaN,
    7,
    8,
    Number.NaN,
  ])
  // attribute 0: 1,2,3 → mean 2, std √(2/3); attribute 1: all 7 → std 1; attribute 2: 5,4,6,8; attribute 3: none
  const src = matrixSource(matrix(4, 1), y, 4)
  const stats = await fitTargetStats(src, 3) // chunks of 3 rows exercise the merge across chunks
  assert.ok(Math.abs(stats[0].mean - 2) < 1e-12)
  assert.ok(Math.abs(stats[0].std - Math.sqrt(2 / 3)) < 1e-12)
  assert.deepEqual(stats[1], { mean: 7, std: 1 })
  assert.ok(Math.abs(stats[2].mean - 5.75) < 1e-12)
  assert.ok(Math.abs(stats[2].std - Math.sqrt((0.75 ** 2 + 1.75 ** 2 + 0.25 ** 2 + 2.25 ** 2) / 4)) < 1e-12)
  assert.deepEqual(stats[3], { mean: 0, std: 1 })
  const z = standardize(y, stats)
  assert.ok(Number.isNaN(z[3]))
  const back = destandardize(z, stats)
  for (let i = 0; i < y.length; i++) {
    if (Number.isNaN(y[i])) assert.ok(Number.isNaN(back[i]))
    else assert.ok(Math.abs(back[i] - y[i]) < 1e-5)
  }
})
