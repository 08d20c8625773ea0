import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { matrix } from '../compute/matrix.ts'
import { Rng } from '../compute/rng.ts'
import { matrixSource } from '../core/batch-source.ts'
import { OptionError } from '../errors.ts'
import { choleskyFactor, choleskySolve } from '../linalg/cholesky.ts'
import { pointwiseRatingLoss } from '../objectives/rating.ts'
import { accumulateRidge, fitRidge, RidgeAccumulator, resolveRidgeOptions } from './ridge.ts'

interface Data {
  x: Float32Array
  y: Float32Array
  n: number
  d: number
  k: number
}

function makeData(seed: number, n: number, d: number, k: number, missing = 0): Data {
  const rng = new Rng(seed)
  const x = Float32Array.from({ length: n * d }, () => rng.normal() + 0.3)
  const w = Float64Array.from({ length: d * k }, () => rng.normal())
  const y = new Float32Array(n * k)
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < k; a++) {
      let s = 2 + a
      for (let j = 0; j < d; j++) s += x[i * d + j] * w[j * k + a]
      y[i * k + a] = rng.float() < missing ? Number.NaN : s + 0.5 * rng.normal()
    }
  }
  return { x, y, n, d, k }
}

const accumulate = (data: Data, chunk = 17, keepMissingRows?: number) =>
  accumulateRidge(matrixSource(matrix(data.n, data.d, data.x), data.y, data.k), chunk, { keepMissingRows })

/** Direct normal equations on the labelled rows of one attribute, standardized and centred. */
function directSolve(data: Data, a: number, alpha: number, mean: number, std: number) {
  const { x, y, n, d, k } = data
  const rows = [...Array(n).keys()].filter((i) => !Number.isNaN(y[i * k + a]))
  const xm = new Float64Array(d)
  let zm = 0
  for (const i of rows) {
    for (let j = 0; j < d; j++) xm[j] += x[i * d + j] / rows.length
    zm += (y[i * k + a] - mean) / std / rows.length
  }
  const A = new Float64Array(d * d)
  const r = new Float64Array(d)
  for (const i of rows) {
    const z = (y[i * k + a] - mean) / std - zm
    for (let p = 0; p < d; p++) {
      const xp = x[i * d + p] - xm[p]
      r[p] += xp * z
      for (let q = 0; q < d; q++) A[p * d + q] += xp * (x[i * d + q] - xm[q])
    }
  }
  for (let p = 0; p < d; p++) A[p * d + p] += alpha
  const w = choleskySolve(choleskyFactor(A, d), d, r, 1)
  let b = zm
  for (let j = 0; j < d; j++) b -= w[j] * xm[j]
  return { w, b }
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}

type Fit = Awaited<ReturnType<typeof fitRidge>>

/** Each attribute's weights and bias are the normal equations' at `alpha` (within 1e-6). */
function assertNormalEquations(fit: Fit, data: Data, alpha: number): void {
  const { d, k } = data
  for (let a = 0; a < k; a++) {
    const { mean, std } = fit.targetStats[a]
    const ref = directSolve(data, a, alpha, mean, std)
    assert.ok(maxAbs(fit.params['linear.weight'].data.subarray(a * d, a * d + d), ref.w) < 1e-6, `attribute ${a}`)
    assert.ok(Math.abs(fit.params['linear.bias'].data[a] - ref.b) < 1e-6)
  }
}

/** Two fits chose the same α per attribute, with the same weights (1e-6) and validation grid (1e-9 relative). */
function assertSameFit(a: Fit, b: Fit, label: string): void {
  assert.deepEqual(a.alphas, b.alphas)
  assert.ok(maxAbs(a.params['linear.weight'].data, b.params['linear.weight'].data) < 1e-6)
  assert.ok(maxAbs(a.params['linear.bias'].data, b.params['linear.bias'].data) < 1e-6)
  a.grid.forEach((g, i) => {
    g.valLRating.forEach((x, t) => {
      const y = b.grid[i].valLRating[t]
      assert.ok(Math.abs(x - y) <= 1e-9 * Math.abs(y), `${label} alpha ${g.alpha} attribute ${t}`)
    })
  })
}

for (const solver of ['band', 'eigen', 'cholesky'] as const) {
  test(`${solver}: fixed alpha matches the normal equations solved directly, with missing labels`, async () => {
    const data = makeData(1, 120, 9, 3, 0.15)
    const fit = await fitRidge(await accumulate(data), { alpha: 2.5, solver })
    assert.equal(fit.selection, 'fixed')
    assert.equal(fit.solverUsed, solver)
    assert.deepEqual(fit.grid, [])
    assert.deepEqual(fit.alphas, [2.5, 2.5, 2.5])
    assert.deepEqual(fit.warnings, [])
    assert.deepEqual(fit.params['linear.weight'].shape, [3, 9])
    assert.deepEqual(fit.params['linear.bias'].shape, [3])
    assertNormalEquations(fit, data, 2.5)
  })
}

test('weights within 1e-4 of numpy.linalg.solve (fixture from scripts/fixtures/make-ridge-ref.py)', async () => {
  const ref = JSON.parse(readFileSync(new URL('../../test/fixtures/ridge/ridge-ref.json', import.meta.url), 'utf8'))
  const data: Data = {
    x: Float32Array.from(ref.x),
    y: Float32Array.from(ref.y, (v: number | null) => (v === null ? Number.NaN : v)),
    n: ref.n,
    d: ref.d,
    k: ref.k,
  }
  const acc = await accumulate(data, 7)
  assert.deepEqual(acc.labelCounts, [40, 35])
  const fit = await fitRidge(acc, { alpha: ref.alpha, alphas: [1, 2] })
  assert.match(fit.warnings[0], /alphas \[1,2\] ignored: there is no validation data/)
  assert.ok(maxAbs(fit.params['linear.weight'].data, ref.weight) < 1e-4)
  assert.ok(maxAbs(fit.params['linear.bias'].data, ref.bias) < 1e-4)
  for (let a = 0; a < ref.k; a++) {
    assert.ok(Math.abs(fit.targetStats[a].mean - ref.targetStats[a].mean) < 1e-9)
    assert.ok(Math.abs(fit.targetStats[a].std - ref.targetStats[a].std) < 1e-9)
  }
})

test('float32 Gram blocks: weights within 2e-6 of numpy.linalg.solve (fixture from make-ridge-ref-large.py)', async () => {
  const ref = JSON.parse(
    readFileSync(new URL('../../test/fixtures/ridge/ridge-ref-large.json', import.meta.url), 'utf8'),
  )
  const { n, d, k, p } = ref
  // The fixture's features (see the script): exact integer arithmetic, one division, float32 rounding.
  const x = new Float32Array(n * d)
  for (let i = 0; i < n; i++) {
    const u = (7919 * i + 13) % p
    for (let j = 0; j < d; j++) x[i * d + j] = 3 + (2 * ((u * ((104729 * j + 7) % p)) % p)) / p - 1
  }
  const y = Float32Array.from(ref.y, (v: number | null) => (v === null ? Number.NaN : v))
  // 1024-row chunks: 1024·96² multiply-adds, past GRAM_F32_MIN_FLOPS, so the float32 path runs;
  // streamed (Gram per chunk) and kept (Gram built at fit time) must both hold the bound.
  for (const keepAllValues of [0, undefined]) {
    const acc = await accumulateRidge(matrixSource(matrix(n, d, x), y, k), 1024, { keepAllValues })
    const fit = await fitRidge(acc, { alpha: ref.alpha })
    assert.equal(fit.solverUsed, 'cholesky')
    const errW = maxAbs(fit.params['linear.weight'].data, ref.weight)
    const errB = maxAbs(fit.params['linear.bias'].data, ref.bias)
    assert.ok(errW < 2e-6 && errB < 2e-5, `keepAllValues ${keepAllValues}: |ΔW| ${errW}, |Δb| ${errB}`)
  }
})

test('attributes with identical missing rows share one Gram; different masks split', async () => {
  const data = makeData(2, 50, 4, 3)
  for (const i of [3, 10, 11]) {
    data.y[i * 3 + 1] = Number.NaN
    data.y[i * 3 + 2] = Number.NaN
  }
  data.y[40 * 3 + 2] = Number.NaN
  const acc = await accumulate(data, 8)
  assert.deepEqual(acc.maskGroups.map((g) => [...g].sort()).sort(), [[0], [1], [2]])
  const clean = await accumulate(makeData(2, 50, 4, 3), 8)
  assert.deepEqual(clean.maskGroups, [[0, 1, 2]])
  // Attribute 2's Gram equals the Gram of its labelled rows computed directly.
  const s = await acc.attributeStats(2)
  assert.equal(s.count, 46)
  let err = 0
  for (let p = 0; p < 4; p++) {
    for (let q = 0; q < 4; q++) {
      let g = 0
      for (let i = 0; i < 50; i++) if (!Number.isNaN(data.y[i * 3 + 2])) g += data.x[i * 4 + p] * data.x[i * 4 + q]
      err = Math.max(err, Math.abs(g - s.gram[p * 4 + q]))
    }
  }
  assert.ok(err < 1e-9)
})

test('the chosen alpha is the grid point with the best validation L_rating, checked by predicting', async () => {
  const train = makeData(3, 60, 25, 2, 0.1)
  const val = makeData(4, 80, 25, 2, 0.1)
  const alphas = [0.01, 0.3, 3, 30, 300, 3000]
  const trainAcc = await accumulate(train)
  const fit = await fitRidge(trainAcc, { validation: await accumulate(val), alphas })
  assert.equal(fit.selection, 'validation')
  assert.deepEqual(
    fit.grid.map((g) => g.alpha),
    alphas,
  )
  for (let a = 0; a < 2; a++) {
    // Brute force: refit at each alpha, predict val rows in raw units, score with the rating objective.
    const scores: number[] = []
    for (const alpha of alphas) {
      const f = await fitRidge(trainAcc, { alpha, targetStats: fit.targetStats })
      const w = f.params['linear.weight'].data
      const targets: number[] = []
      const preds: number[] = []
      for (let i = 0; i < val.n; i++) {
        let z = f.params['linear.bias'].data[a]
        for (let j = 0; j < 25; j++) z += w[a * 25 + j] * val.x[i * 25 + j]
        targets.push(val.y[i * 2 + a])
        preds.push(fit.targetStats[a].mean + fit.targetStats[a].std * z)
      }
      scores.push(pointwiseRatingLoss(targets, preds).value)
    }
    fit.grid.forEach((g, i) => {
      assert.ok(Math.abs(g.valLRating[a] - scores[i]) < 1e-4, `alpha ${alphas[i]}`)
    })
    const best = alphas[scores.indexOf(Math.max(...scores))]
    assert.equal(fit.alphas[a], best)
    assert.ok(fit.grid.every((g) => g.valLRating[a] <= 0))
  }
})

test('default grid is scale-free: rescaling the features rescales the chosen alpha, not the fit', async () => {
  const train = makeData(5, 70, 6, 1)
  const val = makeData(6, 40, 6, 1)
  const scaled = (d: Data): Data => ({ ...d, x: d.x.map((v) => v * 10) })
  const f1 = await fitRidge(await accumulate(train), { validation: await accumulate(val) })
  const f2 = await fitRidge(await accumulate(scaled(train)), { validation: await accumulate(scaled(val)) })
  assert.equal(f1.grid.length, 15)
  assert.ok(Math.abs(f2.alphas[0] / f1.alphas[0] - 100) < 1e-6)
  const w1 = f1.params['linear.weight'].data
  const w2 = f2.params['linear.weight'].data
  for (let j = 0; j < 6; j++) assert.ok(Math.abs(w1[j] - 10 * w2[j]) < 1e-4)
})

test('deterministic: same data gives bit-identical params, whatever the chunk size', async () => {
  const data = makeData(7, 90, 12, 2, 0.2)
  const a = await fitRidge(await accumulate(data, 90), { alpha: 1 })
  const b = await fitRidge(await accumulate(data, 90), { alpha: 1 })
  assert.deepEqual(a.params, b.params)
  const c = await fitRidge(await accumulate(data, 13), { alpha: 1 })
  assert.ok(maxAbs(a.params['linear.weight'].data, c.params['linear.weight'].data) < 1e-6)
})

test('eigen solver handles alpha = 0 on duplicated features (minimum-norm solution)', async () => {
  const base = makeData(8, 40, 3, 1)
  const x = new Float32Array(40 * 4)
  for (let i = 0; i < 40; i++) {
    x.set(base.x.subarray(i * 3, i * 3 + 3), i * 4)
    x[i * 4 + 3] = base.x[i * 3]
  }
  const fit = await fitRidge(await accumulate({ ...base, x, d: 4 }), { alpha: 0, solver: 'eigen' })
  const w = fit.params['linear.weight'].data
  assert.ok(Math.abs(w[0] - w[3]) < 1e-5, 'duplicated columns share the weight equally')
  const ols = await fitRidge(await accumulate(base), { alpha: 0, solver: 'eigen' })
  assert.ok(Math.abs(w[0] + w[3] - ols.params['linear.weight'].data[0]) < 1e-4)
})

test('bad options and inputs give clear errors', async () => {
  assert.throws(() => resolveRidgeOptions({ alpha: -1 }), OptionError)
  assert.throws(() => resolveRidgeOptions({ alphas: [] }), /non-empty list/)
  assert.throws(
    () => resolveRidgeOptions({ solver: 'svd' as 'eigen' }),
    /'auto', 'band', 'eigen', 'cholesky' or 'dual'/,
  )
  const acc = new RidgeAccumulator(2, 1)
  await assert.rejects(acc.add({ x: matrix(1, 3), y: new Float32Array(1) }), /3 features per row, expected 2/)
  await assert.rejects(
    acc.add({ x: matrix(1, 2, Float32Array.from([1, Number.NaN])), y: new Float32Array(1) }),
    /row 0.*finite/,
  )
  await assert.rejects(
    acc.add({ x: matrix(1, 2, Float32Array.from([1, 2])), y: Float32Array.from([Number.POSITIVE_INFINITY]) }),
    /row 0.*label of attribute 0 is Infinity/,
  )
  assert.equal(acc.rows, 0, 'a rejected batch leaves the statistics unchanged')
  assert.ok(acc.gram.every((v) => v === 0) && acc.colSum.every((v) => v === 0))
  await acc.add({ x: matrix(1, 2), y: Float32Array.from([Number.NaN]) })
  await assert.rejects(fitRidge(acc), /0 labelled training rows/)
  const ok = new RidgeAccumulator(2, 1)
  await ok.add({ x: matrix(3, 2, Float32Array.from([1, 2, 3, 4, 5, 7])), y: Float32Array.from([1, 2, 4]) })
  await assert.rejects(fitRidge(ok, { targetStats: [{ mean: 0, std: 0 }] }), /targetStats\[0\].*std > 0/)
  const other = new RidgeAccumulator(3, 1)
  await assert.rejects(fitRidge(acc, { validation: other }), /same featurizer/)
})

test('an attribute without validation labels falls back to alpha, with a warning', async () => {
  const train = makeData(9, 50, 4, 2)
  const val = makeData(10, 30, 4, 2)
  for (let i = 0; i < 30; i++) val.y[i * 2 + 1] = Number.NaN
  const fit = await fitRidge(await accumulate(train), {
    validation: await accumulate(val),
    alphas: [0.1, 10],
    alpha: 3,
  })
  assert.equal(fit.alphas[1], 3)
  assert.ok(fit.alphas[0] === 0.1 || fit.alphas[0] === 10)
  assert.ok(fit.grid.every((g) => Number.isNaN(g.valLRating[1]) && g.valLRating[0] < 0))
  assert.deepEqual(fit.warnings, ['attribute 1 has no validation labels; used alpha 3'])
  const direct = await fitRidge(await accumulate(train), { alpha: 3, targetStats: fit.targetStats })
  const w = fit.params['linear.weight'].data
  assert.ok(maxAbs(w.subarray(4, 8), direct.params['linear.weight'].data.subarray(4, 8)) < 1e-6)
})

test('missing labels: the Woodbury path (kept rows) and the per-pattern Gram path give the same fit', async () => {
  const train = makeData(12, 150, 20, 3, 0.06)
  const val = makeData(13, 60, 20, 3, 0.1)
  const kept = await accumulate(train, 40)
  const dropped = await accumulate(train, 40, 0)
  assert.equal(kept.maskGroups.length, 3)
  assert.ok(kept.maskGroups.every((g) => kept.maskStats(g[0]).missingRows !== null))
  assert.ok(dropped.maskGroups.every((g) => dropped.maskStats(g[0]).missingRows === null))
  const validation = await accumulate(val)
  for (const solver of ['band', 'eigen'] as const) {
    assertSameFit(await fitRidge(kept, { validation, solver }), await fitRidge(dropped, { validation, solver }), solver)
  }
  // And both match the normal equations solved on each attribute's labelled rows.
  assertNormalEquations(await fitRidge(kept, { alpha: 0.8, solver: 'band' }), train, 0.8)
})

test('fewer rows than features: the dual (n×n kernel) gives the primal fit, and auto picks it', async () => {
  const train = makeData(14, 40, 70, 2, 0.1)
  const val = makeData(15, 30, 70, 2, 0.1)
  const acc = await accumulate(train, 16)
  const validation = await accumulate(val)
  const dual = await fitRidge(acc, { validation })
  assert.equal(dual.solverUsed, 'dual')
  assertSameFit(dual, await fitRidge(acc, { validation, solver: 'band' }), 'dual vs band')
  assertNormalEquations(await fitRidge(acc, { alpha: 3, solver: 'dual' }), train, 3)
})

test('rows beyond the kept limit: auto uses the primal, and an explicit dual says why it cannot', async () => {
  const train = makeData(16, 40, 70, 1, 0.05)
  const acc = await accumulateRidge(matrixSource(matrix(40, 70, train.x), train.y, 1), 16, { keepAllValues: 70 * 20 })
  assert.equal(acc.rowsKept, false)
  assert.equal(acc.keptRows(), null)
  const val = await accumulate(makeData(17, 20, 70, 1))
  const fit = await fitRidge(acc, { validation: val })
  assert.equal(fit.solverUsed, 'band')
  const viaDual = await fitRidge(await accumulate(train, 16), { validation: val })
  assert.equal(viaDual.solverUsed, 'dual')
  assert.ok(maxAbs(fit.params['linear.weight'].data, viaDual.params['linear.weight'].data) < 1e-6)
  await assert.rejects(fitRidge(acc, { solver: 'dual' }), /dual needs every training row in memory/)
})
