import assert from 'node:assert/strict'
import { test } from 'node:test'
import { pointwiseRatingLoss } from './rating.ts'

test('s = 5 with r = 4.5 and with r = 5.5 both give -0.25 (the objective is symmetric and <= 0)', () => {
  assert.equal(pointwiseRatingLoss([5], [4.5]).value, -0.25)
  assert.equal(pointwiseRatingLoss([5], [5.5]).value, -0.25)
  assert.equal(pointwiseRatingLoss([5, 5], [4.5, 5.5]).value, -0.25)
  assert.equal(pointwiseRatingLoss([3], [3]).value, -0)
})

test('exact values with several attributes, weights and missing labels', () => {
  // rows: [1, 2], [NaN, 4]; rewards [0, 2], [9, 1]; weights [2, 1]
  // valid entries: (1-0)^2*2 = 2, (2-2)^2*1 = 0, (4-1)^2*1 = 9 → -(11)/3
  const r = pointwiseRatingLoss([1, 2, Number.NaN, 4], [0, 2, 9, 1], { attributes: 2, weights: [2, 1] })
  assert.equal(r.count, 3)
  assert.ok(Math.abs(r.value - -11 / 3) < 1e-15)
  assert.deepEqual(Array.from(r.grad), [(2 * 2 * 1) / 3, 0, 0, (2 * 1 * 3) / 3])
  const withNull = pointwiseRatingLoss([1, 2, null, 4], [0, 2, 9, 1], { attributes: 2, weights: [2, 1] })
  assert.equal(withNull.value, r.value)
})

test('the gradient matches central finite differences', () => {
  const targets = [4, null, 1.5, 2, 3, Number.NaN, 0.25, 5]
  const rewards = [3.1, 0.2, 2.5, -1, 3.3, 7, 0.5, 4.2]
  const opts = { attributes: 2, weights: [0.7, 1.9] }
  const { grad } = pointwiseRatingLoss(targets, rewards, opts)
  const h = 1e-6
  for (let i = 0; i < rewards.length; i++) {
    const up = rewards.slice()
    const dn = rewards.slice()
    up[i] += h
    dn[i] -= h
    const fd = (pointwiseRatingLoss(targets, up, opts).value - pointwiseRatingLoss(targets, dn, opts).value) / (2 * h)
    assert.ok(Math.abs(fd - grad[i]) < 1e-7, `entry ${i}: fd ${fd} vs grad ${grad[i]}`)
  }
})

test('gradient ascent on free rewards converges to the ratings', () => {
  const s = [1, 5, 3.5, 2]
  const r = [0, 0, 0, 0]
  for (let step = 0; step < 200; step++) {
    const { grad } = pointwiseRatingLoss(s, r)
    for (let i = 0; i < r.length; i++) r[i] += 0.5 * grad[i]
  }
  for (let i = 0; i < r.length; i++) assert.ok(Math.abs(r[i] - s[i]) < 1e-9)
  assert.ok(pointwiseRatingLoss(s, r).value > -1e-15)
})

test('the wrong sign (ascending +MSE) diverges from the ratings', () => {
  const s = [1, 5, 3.5, 2]
  const r = [1.1, 4.9, 3.4, 2.2]
  const start = -pointwiseRatingLoss(s, r).value
  for (let step = 0; step < 50; step++) {
    const { grad } = pointwiseRatingLoss(s, r)
    // ∂(+MSE)/∂r = -grad: ascending +MSE steps against L_rating's gradient.
    for (let i = 0; i < r.length; i++) r[i] -= 0.5 * grad[i]
  }
  const end = -pointwiseRatingLoss(s, r).value
  assert.ok(end > 1e6 * start, `MSE went from ${start} to ${end}`)
})

test('clear errors: length mismatch, no labels, non-finite reward, bad weights', () => {
  assert.throws(() => pointwiseRatingLoss([1, 2], [1]), /targets has 2 values but rewards has 1/)
  assert.throws(() => pointwiseRatingLoss([null, Number.NaN], [1, 2]), /no valid labels/)
  assert.throws(() => pointwiseRatingLoss([1], [Number.POSITIVE_INFINITY]), /reward 0 is Infinity/)
  assert.throws(() => pointwiseRatingLoss([1, 2], [1, 2], { attributes: 2, weights: [1] }), /one per attribute/)
  assert.throws(() => pointwiseRatingLoss([1, 2, 3], [1, 2, 3], { attributes: 2 }), /do not split/)
})

test('typed arrays work like plain arrays', () => {
  const a = pointwiseRatingLoss(Float32Array.from([1, 2]), Float64Array.from([0, 0]))
  assert.equal(a.value, -2.5)
})
