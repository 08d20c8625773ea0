import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Rng } from '../compute/rng.ts'
import { bradleyTerryObjective, logSigmoid, pairValidation, pairwiseLoss, sigmoid } from './bradley-terry.ts'

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`)

test('L_BT by hand: log σ(r_c - r_r - m), soft labels, ties, centering; value ≤ 0', () => {
  // log σ(1) = -log(1 + e^-1)
  const a = pairwiseLoss([1], [0])
  close(a.value, -Math.log(1 + Math.exp(-1)))
  close(a.gradChosen[0], 1 - 1 / (1 + Math.exp(-1))) // p - σ(d) = 1 - σ(1)
  close(a.gradRejected[0], -a.gradChosen[0])
  // A margin of 1 makes d = 0: log σ(0) = -log 2 for both pairs, gradients ±(1 - 0.5)/2.
  const b = pairwiseLoss([2, 0.5], [1, -0.5], { margins: [1, 1] })
  close(b.value, -Math.log(2))
  close(b.gradChosen[0], 0.25)
  // A tie (p = 0.5) at d = 2: ½·log σ(2) + ½·log σ(-2); its gradient p - σ(d) pulls d back toward 0.
  const c = pairwiseLoss([2], [0], { labels: [0.5] })
  close(c.value, 0.5 * -Math.log(1 + Math.exp(-2)) + 0.5 * -Math.log(1 + Math.exp(2)))
  close(c.gradChosen[0], 0.5 - 1 / (1 + Math.exp(-2)))
  assert.ok(c.gradChosen[0] < 0)
  // Centering: -η·(r_c + r_r)² = -0.1·(1 + 0)².
  const d = pairwiseLoss([1], [0], { center: 0.1 })
  close(d.value, a.value - 0.1)
  close(d.gradChosen[0], a.gradChosen[0] - 0.2)
  close(d.gradRejected[0], a.gradRejected[0] - 0.2)
  for (const l of [a, b, c, d]) assert.ok(l.value <= 0)
  // Stable far out: no overflow, log σ(-800) = -800.
  close(logSigmoid(-800), -800)
  close(logSigmoid(800), 0)
  close(sigmoid(-800), 0)
})

test('L_BT gradients match central finite differences (margins, soft labels, centering)', () => {
  const rng = new Rng(3)
  const n = 9
  const rc = Array.from({ length: n }, () => 2 * rng.normal())
  const rr = Array.from({ length: n }, () => 2 * rng.normal())
  const options = {
    margins: Array.from({ length: n }, () => rng.float()),
    labels: Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 0.5 : rng.float())),
    center: 0.05,
  }
  const l = pairwiseLoss(rc, rr, options)
  const h = 1e-6
  for (let i = 0; i < n; i++) {
    for (const [side, grad] of [
      [rc, l.gradChosen],
      [rr, l.gradRejected],
    ] as const) {
      const up = side.slice()
      const down = side.slice()
      up[i] += h
      down[i] -= h
      const f = (v: number[]) => (side === rc ? pairwiseLoss(v, rr, options) : pairwiseLoss(rc, v, options)).value
      const numeric = (f(up) - f(down)) / (2 * h)
      assert.ok(Math.abs(grad[i] - numeric) < 1e-7, `pair ${i}: ${grad[i]} vs ${numeric}`)
    }
  }
})

test('ascending L_BT learns the preferences; the wrong sign diverges', () => {
  // Pairs whose chosen response is preferred by a hidden linear reward; a linear reward w·x learns it.
  const rng = new Rng(5)
  const d = 4
  const wTrue = [1, -2, 0.5, 1.5]
  const pairs = Array.from({ length: 200 }, () => {
    const a = Array.from({ length: d }, () => rng.normal())
    const b = Array.from({ length: d }, () => rng.normal())
    const score = (x: number[]) => x.reduce((s, v, j) => s + v * wTrue[j], 0)
    return score(a) >= score(b) ? { c: a, r: b } : { c: b, r: a }
  })
  const run = (sign: 1 | -1) => {
    const w = new Float64Array(d)
    const values: number[] = []
    for (let step = 0; step < 200; step++) {
      const reward = (x: number[]) => x.reduce((s, v, j) => s + v * w[j], 0)
      const l = pairwiseLoss(
        pairs.map((p) => reward(p.c)),
        pairs.map((p) => reward(p.r)),
      )
      values.push(l.value)
      pairs.forEach((p, i) => {
        for (let j = 0; j < d; j++) w[j] += sign * 0.5 * (l.gradChosen[i] * p.c[j] + l.gradRejected[i] * p.r[j])
      })
    }
    const acc = pairs.filter((p) => p.c.reduce((s, v, j) => s + v * w[j], 0) > p.r.reduce((s, v, j) => s + v * w[j], 0))
    return { values, accuracy: acc.length / pairs.length }
  }
  const up = run(1)
  assert.ok(
    up.values.every((v, i) => i === 0 || v >= up.values[i - 1] - 1e-12),
    'L_BT rises every step',
  )
  assert.ok(up.values.at(-1)! > -0.1 && up.accuracy > 0.97, `${up.values.at(-1)} ${up.accuracy}`)
  const down = run(-1)
  assert.ok(down.values.at(-1)! < -20, `the wrong sign drives L_BT to -∞: ${down.values.at(-1)}`)
  assert.ok(down.accuracy < 0.2, `and orders the pairs backwards: ${down.accuracy}`)
})

test('the objective: interleaved chosen/rejected rows, labels [p, m]; validation accuracy counts reward ties half', () => {
  const o = bradleyTerryObjective({ center: 0.01 })
  assert.equal(o.rowsPerExample, 2)
  const y = Float32Array.of(1, 0, 0.5, 0.25) // pair 0: chosen wins; pair 1: a tie with margin 0.25
  const out = Float32Array.of(1, 0, 0.375, -0.5)
  const l = o.batchLoss(y, out, [{ mean: 0, std: 1 }])
  const ref = pairwiseLoss([1, 0.375], [0, -0.5], { labels: [1, 0.5], margins: [0, 0.25], center: 0.01 })
  close(l.value, ref.value)
  assert.deepEqual(Array.from(l.grad), [ref.gradChosen[0], ref.gradRejected[0], ref.gradChosen[1], ref.gradRejected[1]])
  const v = pairValidation(0)
  v.add(Float32Array.of(1, 0, 1, 0, 0, 0, 0.5, 0), Float32Array.of(2, 1, 1, 1, 0, 3, 5, 0))
  const r = v.result()
  // Pair 0 right, pair 1 a reward tie (half), pair 2 (p = 0: rejected wins) right, pair 3 a tie label (left out).
  close(r.metrics.accuracy as number, 2.5 / 3)
  close(r.metrics.meanMargin as number, (1 + 0 - 3 + 5) / 4)
  assert.ok(r.value < 0)
})
