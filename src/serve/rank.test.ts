import assert from 'node:assert/strict'
import { test } from 'node:test'
import { rankScored } from './rank.ts'

const scored = { rewards: Float64Array.of(1, 3, 2, 3), scores: Float64Array.of(1, 10, 3, 30, 2, 20, 3, 31) }

test('rankScored sorts by reward, highest first, ties in input order, with each response’s scores', () => {
  const r = rankScored(['a', 'b', 'c', 'd'], scored, ['x', 'y'])
  assert.deepEqual(
    r.map((x) => [x.rank, x.index, x.response, x.reward]),
    [
      [1, 1, 'b', 3],
      [2, 3, 'd', 3],
      [3, 2, 'c', 2],
      [4, 0, 'a', 1],
    ],
  )
  assert.deepEqual(r[1].scores, { x: 3, y: 31 })
})

test('rankScored keeps the best topK; a topK above n keeps all; a bad topK is an OptionError', () => {
  assert.deepEqual(
    rankScored(['a', 'b', 'c', 'd'], scored, ['x', 'y'], { topK: 2 }).map((x) => x.index),
    [1, 3],
  )
  assert.equal(rankScored(['a', 'b', 'c', 'd'], scored, ['x', 'y'], { topK: 9 }).length, 4)
  assert.throws(
    () => rankScored(['a'], scored, ['x', 'y'], { topK: 0 }),
    /invalid topK: 0; expected a positive integer/,
  )
})

test('by lcb sorts by reward − 1.645·std and reports std, lcb and scores_std; without std it is an OptionError', () => {
  const withStd = {
    ...scored,
    std: Float64Array.of(0.1, 2, 0.1, 0.1),
    scoresStd: Float64Array.of(0.1, 0.1, 2, 2, 0.1, 0.1, 0.1, 0.1),
  }
  const mean = rankScored(['a', 'b', 'c', 'd'], withStd, ['x', 'y'])
  assert.deepEqual(
    mean.map((x) => x.index),
    [1, 3, 2, 0],
  )
  const lcb = rankScored(['a', 'b', 'c', 'd'], withStd, ['x', 'y'], { by: 'lcb' })
  // b's reward ties d's, but b is far less certain: 3 − 1.645·2 < 2 − 1.645·0.1 < 3 − 1.645·0.1.
  assert.deepEqual(
    lcb.map((x) => x.index),
    [3, 2, 0, 1],
  )
  assert.ok(Math.abs((lcb[0].lcb as number) - (3 - 1.6448536269514722 * 0.1)) < 1e-12)
  assert.deepEqual(lcb[3].scores_std, { x: 2, y: 2 })
  assert.throws(() => rankScored(['a'], scored, ['x', 'y'], { by: 'lcb' }), /no uncertainty/)
})
