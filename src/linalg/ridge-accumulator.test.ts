import assert from 'node:assert/strict'
import { test } from 'node:test'
import { matrix } from '../compute/matrix.ts'
import { Rng } from '../compute/rng.ts'
import { RidgeAccumulator } from './ridge-accumulator.ts'

function data(seed: number, n: number, d: number, k: number, missing: number) {
  const rng = new Rng(seed)
  const x = Float32Array.from({ length: n * d }, () => rng.normal() + 1)
  const y = Float32Array.from({ length: n * k }, () => (rng.float() < missing ? Number.NaN : rng.normal() * 2 + 5))
  return { x, y }
}

async function fill(acc: RidgeAccumulator, x: Float32Array, y: Float32Array, n: number, chunk: number) {
  const { dim: d, attributes: k } = acc
  for (let s = 0; s < n; s += chunk) {
    const e = Math.min(n, s + chunk)
    await acc.add({ x: matrix(e - s, d, x.subarray(s * d, e * d)), y: y.subarray(s * k, e * k) })
  }
}

test('missing rows are kept as given while within the limit, and dropped beyond it; the Gram stays exact', async () => {
  const n = 120
  const d = 6
  const k = 2
  const { x, y } = data(1, n, d, k, 0.08)
  const kept = new RidgeAccumulator(d, k, { keepMissingRows: 50 })
  const dropped = new RidgeAccumulator(d, k, { keepMissingRows: 3 })
  await fill(kept, x, y, n, 25)
  await fill(dropped, x, y, n, 25)
  for (let a = 0; a < k; a++) {
    const rows = [...Array(n).keys()].filter((i) => Number.isNaN(y[i * k + a]))
    assert.ok(rows.length > 3, 'the test needs more missing rows than the small limit')
    const s = kept.maskStats(a)
    assert.equal(s.missCount, rows.length)
    assert.equal(s.count, n - rows.length)
    assert.deepEqual(s.missingRows, Float32Array.from(rows.flatMap((i) => Array.from(x.subarray(i * d, i * d + d)))))
    assert.equal(dropped.maskStats(a).missingRows, null)
    assert.ok(kept.rowsKept)
    assert.deepEqual(kept.keptRows(), { x, y })
    // The labelled rows' Gram, both ways, against a direct sum.
    const g1 = (await kept.attributeStats(a)).gram
    const g2 = (await dropped.attributeStats(a)).gram
    for (let p = 0; p < d; p++) {
      for (let q = 0; q < d; q++) {
        let g = 0
        for (let i = 0; i < n; i++) if (!Number.isNaN(y[i * k + a])) g += x[i * d + p] * x[i * d + q]
        assert.ok(Math.abs(g1[p * d + q] - g) < 1e-9 && Math.abs(g2[p * d + q] - g) < 1e-9)
      }
    }
  }
})

test('sumSquaredErrors scores several predictions at once, as sumSquaredError and by brute force', async () => {
  const n = 80
  const d = 5
  const k = 2
  const { x, y } = data(2, n, d, k, 0.1)
  // keepAllValues 0: from the Gram; default: from the kept rows (the Gram is not built for them).
  for (const [keepMissingRows, keepAllValues] of [
    [0, 0],
    [100, 0],
    [100, undefined],
  ]) {
    const acc = new RidgeAccumulator(d, k, { keepMissingRows, keepAllValues })
    await fill(acc, x, y, n, 30)
    const rng = new Rng(3)
    const U = Float64Array.from({ length: 3 * d }, () => rng.normal())
    const cs = [0.5, -1, 2]
    for (let a = 0; a < k; a++) {
      const batch = await acc.sumSquaredErrors(a, U, cs)
      for (let r = 0; r < 3; r++) {
        let sse = 0
        for (let i = 0; i < n; i++) {
          const t = y[i * k + a]
          if (Number.isNaN(t)) continue
          let p = cs[r]
          for (let j = 0; j < d; j++) p += U[r * d + j] * x[i * d + j]
          sse += (t - p) ** 2
        }
        assert.ok(
          Math.abs(batch[r] - sse) < 1e-8 * sse,
          `keep ${keepMissingRows}/${keepAllValues} attribute ${a} row ${r}`,
        )
        const one = await acc.sumSquaredError(a, U.slice(r * d, r * d + d), cs[r])
        assert.ok(Math.abs(one - sse) < 1e-8 * sse)
      }
    }
  }
  await assert.rejects(new RidgeAccumulator(2, 1).sumSquaredErrors(0, new Float64Array(3), [1]), /expected 1x2/)
})

test('chunks past GRAM_F32_MIN_FLOPS: float32 Gram blocks of shifted rows, within 1e-6 of float64 after centring', async () => {
  // Features with mean 1000 and std 1: an unshifted float32 Gram would lose about 6 digits to the mean.
  const n = 1100
  const d = 64
  const rng = new Rng(5)
  const x = Float32Array.from({ length: n * d }, (_, i) => 1000 + (i % d) + rng.normal())
  const y = Float32Array.from({ length: n }, () => rng.normal())
  for (const keepAllValues of [0, undefined]) {
    const acc = new RidgeAccumulator(d, 1, { keepAllValues })
    await fill(acc, x, y, n, 1100)
    await acc.flush()
    const g = acc.gram
    const mean = Float64Array.from(acc.colSum, (v) => v / n)
    let err = 0
    let scale = 0
    for (let p = 0; p < d; p++) {
      for (let q = 0; q <= p; q++) {
        let c = 0
        for (let i = 0; i < n; i++) c += (x[i * d + p] - mean[p]) * (x[i * d + q] - mean[q])
        err = Math.max(err, Math.abs(g[p * d + q] - n * mean[p] * mean[q] - c), Math.abs(g[q * d + p] - g[p * d + q]))
        scale = Math.max(scale, Math.abs(c))
      }
    }
    assert.ok(err < 1e-6 * scale, `keepAllValues ${keepAllValues}: centred Gram error ${err} of ${scale}`)
  }
  // A feature whose square overflows float32 is redone in float64.
  const big = new RidgeAccumulator(d, 1, { keepAllValues: 0 })
  const xb = Float32Array.from(x)
  xb[5] = 3e30
  await fill(big, xb, y, n, 1100)
  assert.ok(Math.abs(big.gram[5 * d + 5] / 9e60 - 1) < 1e-6, `${big.gram[5 * d + 5]}`)
})

test('expectedRows beyond keepAllValues keeps no rows from the start, with the same statistics', async () => {
  const n = 90
  const d = 5
  const k = 2
  const { x, y } = data(7, n, d, k, 0)
  const hinted = new RidgeAccumulator(d, k, { keepAllValues: 200, expectedRows: n })
  const plain = new RidgeAccumulator(d, k, { keepAllValues: 200 })
  await hinted.add({ x: matrix(30, d, x.subarray(0, 30 * d)), y: y.subarray(0, 30 * k) })
  await plain.add({ x: matrix(30, d, x.subarray(0, 30 * d)), y: y.subarray(0, 30 * k) })
  assert.equal(hinted.rowsKept, false)
  assert.equal(plain.rowsKept, true)
  await fill(hinted, x.subarray(30 * d), y.subarray(30 * k), n - 30, 30)
  await fill(plain, x.subarray(30 * d), y.subarray(30 * k), n - 30, 30)
  assert.equal(plain.rowsKept, false)
  for (let a = 0; a < k; a++) {
    const h = await hinted.attributeStats(a)
    const p = await plain.attributeStats(a)
    assert.equal(h.count, p.count)
    for (let i = 0; i < d * d; i++) assert.ok(Math.abs(h.gram[i] - p.gram[i]) <= 1e-9 * Math.abs(p.gram[i]) + 1e-9)
    for (let i = 0; i < d; i++) assert.ok(Math.abs(h.xy[i] - p.xy[i]) <= 1e-9 * Math.abs(p.xy[i]) + 1e-9)
  }
})
