import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { Rng } from '../compute/rng.ts'
import {
  averageRanks,
  kendallTauB,
  RATING_METRIC_NAMES,
  type RatingMetrics,
  ratingMetrics,
  ratingMetricsByAttribute,
} from './metrics.ts'

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`)

/** O(n²) definitions, straight from the formulas. */
function bruteForce(s: number[], r: number[]) {
  let c = 0
  let d = 0
  let tx = 0
  let ty = 0
  let good = 0
  let total = 0
  for (let i = 0; i < s.length; i++) {
    for (let j = i + 1; j < s.length; j++) {
      const a = Math.sign(s[i] - s[j])
      const b = Math.sign(r[i] - r[j])
      if (a === 0 && b !== 0) tx++
      if (b === 0 && a !== 0) ty++
      if (a * b > 0) c++
      if (a * b < 0) d++
      if (a !== 0) {
        total++
        good += b === 0 ? 0.5 : a === b ? 1 : 0
      }
    }
  }
  return { kendall: (c - d) / Math.sqrt((c + d + tx) * (c + d + ty)), pairwiseAccuracy: good / total }
}

test('hand-computed case: errors, correlations and pair counts', () => {
  // s = [1, 2, 3, 4], r = [1, 3, 2, 4]: errors 0, -1, 1, 0.
  const m = ratingMetrics([1, 2, 3, 4], [1, 3, 2, 4])
  assert.equal(m.n, 4)
  close(m.mse, 0.5)
  close(m.l_rating, -0.5)
  close(m.rmse, Math.SQRT1_2)
  close(m.mae, 0.5)
  close(m.pearson, 0.8) // Σdxdy = 4, Σdx² = Σdy² = 5
  close(m.spearman, 0.8)
  close(m.kendall, 4 / 6) // 5 concordant, 1 discordant of 6 pairs
  close(m.pairwise_accuracy, 5 / 6)
  assert.deepEqual(Object.keys(m).sort(), [
    'kendall',
    'l_rating',
    'mae',
    'mse',
    'n',
    'pairwise_accuracy',
    'pearson',
    'rmse',
    'spearman',
  ])
})

test('missing targets (NaN, null) are skipped; l_rating is -mse and <= 0', () => {
  const m = ratingMetrics([5, Number.NaN, 3, null], [4, 100, 3, -7])
  assert.equal(m.n, 2)
  close(m.mse, 0.5)
  assert.ok(m.l_rating <= 0)
  assert.equal(m.l_rating, -m.mse)
})

test('ties: average ranks, tau-b, and a prediction tie counting 0.5', () => {
  assert.deepEqual(Array.from(averageRanks([10, 20, 10, 30, 20, 10])), [2, 4.5, 2, 6, 4.5, 2])
  // s = [1, 1, 2], r = [0, 1, 1]: pair (0,1) tied in s (excluded); (0,2) concordant; (1,2) r-tie → 0.5.
  const m = ratingMetrics([1, 1, 2], [0, 1, 1])
  close(m.pairwise_accuracy, 1.5 / 2)
  close(m.kendall, 1 / Math.sqrt(2 * 2)) // C − D = 1; untied-in-s pairs 2, untied-in-r pairs 2
  // A constant predictor orders nothing: accuracy 0.5, correlations undefined.
  const c = ratingMetrics([1, 2, 3], [7, 7, 7])
  close(c.pairwise_accuracy, 0.5)
  assert.ok(Number.isNaN(c.pearson) && Number.isNaN(c.spearman) && Number.isNaN(c.kendall))
})

test('O(n log n) Kendall and pairwise accuracy equal the O(n²) definitions on tied random data', () => {
  const rng = new Rng(5)
  for (const n of [2, 3, 10, 57, 300]) {
    const s = Array.from({ length: n }, () => rng.int(5))
    const r = Array.from({ length: n }, (_, i) => s[i] + rng.int(4))
    const fast = kendallTauB(s, r)
    const slow = bruteForce(s, r)
    if (Number.isNaN(slow.kendall)) assert.ok(Number.isNaN(fast.kendall))
    else close(fast.kendall, slow.kendall, 1e-12)
    close(fast.pairwiseAccuracy, slow.pairwiseAccuracy, 1e-12)
  }
})

test('agrees with scipy pearsonr/spearmanr/kendalltau (fixture from scripts/fixtures/make-metric-refs.py)', () => {
  const cases: { name: string; targets: (number | null)[]; preds: number[]; expected: Partial<RatingMetrics> }[] =
    JSON.parse(readFileSync(new URL('../../test/fixtures/metrics/metric-refs.json', import.meta.url), 'utf8'))
  assert.equal(cases.length, 4)
  for (const c of cases) {
    const m = ratingMetrics(c.targets, c.preds)
    for (const [key, want] of Object.entries(c.expected)) {
      const got = m[key as keyof RatingMetrics]
      assert.ok(Math.abs(got - (want as number)) < 1e-10, `${c.name}: ${key} = ${got}, scipy says ${want}`)
    }
  }
})

test('large n stays fast enough to run in a test (100k rows) and perfect predictions score 1', () => {
  const rng = new Rng(6)
  const s = Float64Array.from({ length: 100_000 }, () => rng.int(10))
  const m = ratingMetrics(s, s)
  assert.equal(m.n, 100_000)
  assert.equal(m.mse, 0)
  close(m.kendall, 1)
  close(m.spearman, 1)
  close(m.pairwise_accuracy, 1)
})

test('per-attribute metrics split a row-major [n, k] matrix by attribute', () => {
  const out = ratingMetricsByAttribute([1, 10, 2, 20, 3, Number.NaN], [1, 12, 2, 18, 3, 0], ['a', 'b'])
  assert.equal(out.a.mse, 0)
  assert.equal(out.b.n, 2)
  close(out.b.mse, 4)
  assert.throws(() => ratingMetrics([1, 2], [1]), /2 targets but 1 predictions/)
})

test('no labelled rows: n = 0 and every metric NaN (null in JSON), never a throw', () => {
  const m = ratingMetrics([Number.NaN, null], [1, 2])
  assert.equal(m.n, 0)
  // Every metric the result carries is in RATING_METRIC_NAMES.
  assert.deepEqual(
    Object.keys(m)
      .filter((k) => k !== 'n')
      .sort(),
    [...RATING_METRIC_NAMES].sort(),
  )
  for (const key of RATING_METRIC_NAMES) assert.ok(Number.isNaN(m[key]), key)
  assert.equal(JSON.parse(JSON.stringify(m)).pearson, null)
})
