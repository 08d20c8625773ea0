import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { matrix } from '../compute/matrix.ts'
import { Rng } from '../compute/rng.ts'
import { matrixSource } from '../core/batch-source.ts'
import { intervalMetrics } from '../eval/interval-metrics.ts'
import { accumulateRidge, fitRidge } from '../fit/ridge.ts'
import { headFromParams } from '../heads/registry.ts'
import { choleskyFactor, choleskySolve } from '../linalg/cholesky.ts'
import { fitRidgeUncertainty } from './fit-ridge-uncertainty.ts'
import { mergedStd, uncertaintyFromParams } from './uncertainty.ts'

interface RefCase {
  n: number
  d: number
  k: number
  alpha: number
  x: number[]
  y: (number | null)[]
  xTest: number[]
  leverage: number[]
  df: number[]
  sigmaTrain: number[]
}
const ref: Record<string, RefCase> = JSON.parse(
  readFileSync(new URL('../../test/fixtures/ridge-variance/ref.json', import.meta.url), 'utf8'),
)

/** The head only matters to an ensemble; a ridge's scorer reads the input width from it. */
const base = (d: number) => ({
  head: headFromParams(
    { type: 'linear', inputDim: d, outputs: 2 },
    {
      'linear.weight': { shape: [2, d], data: new Float32Array(2 * d) },
      'linear.bias': { shape: [2], data: new Float32Array(2) },
    },
  ),
  targetStats: [
    { mean: 0, std: 1 },
    { mean: 0, std: 1 },
  ],
})

const relClose = (got: number, want: number, tol: number, what: string) =>
  assert.ok(Math.abs(got - want) <= tol * Math.abs(want), `${what}: ${got} vs ${want}`)

for (const [name, c] of Object.entries(ref)) {
  const forms: { rank: number; form: 'eigen' | 'dual' | 'auto' }[] = [...new Set([c.d, Math.min(c.d, c.n)])].map(
    (rank) => ({
      rank,
      form: 'eigen',
    }),
  )
  // Fewer rows than features: the banded dual, and 'auto' (the eigen form from the kernel).
  if (c.n < c.d) forms.push({ rank: 1, form: 'dual' }, { rank: 256, form: 'auto' })
  for (const { rank, form } of forms) {
    test(`ridge predictive variance matches numpy's direct inverse (${name}, ${form}, rank ${rank})`, async () => {
      const y = Float32Array.from(c.y, (v) => (v === null ? Number.NaN : v))
      const acc = await accumulateRidge(matrixSource(matrix(c.n, c.d, Float32Array.from(c.x)), y, c.k), 5)
      const fit = await fitRidge(acc, { alpha: c.alpha })
      const u = await fitRidgeUncertainty(acc, fit, { rank, form })
      assert.ok(u.spec.groups.every((g) => g.exact && (g.form ?? 'eigen') === (form === 'dual' ? 'dual' : 'eigen')))
      assert.equal(u.spec.groups.length, 2, 'attribute 1 misses labels: its own pattern')
      const m = c.xTest.length / c.d
      const h = await u.leverage(matrix(m, c.d, Float32Array.from(c.xTest)))
      // Eigenvectors are stored float32, so agreement is to ~1e-6, not 1e-15.
      for (let i = 0; i < h.length; i++) relClose(h[i], c.leverage[i], 2e-5, `leverage ${i}`)
      u.spec.attributes.forEach((a, i) => {
        relClose(a.df, c.df[i], 1e-6, `df ${i}`)
        relClose(a.sigmaTrain, c.sigmaTrain[i], 1e-5, `sigma ${i}`)
      })
      const std = await u.attributeStd(matrix(m, c.d, Float32Array.from(c.xTest)))
      for (let i = 0; i < std.length; i++) {
        relClose(std[i], c.sigmaTrain[i % c.k] * Math.sqrt(1 + c.leverage[i]), 2e-5, `std ${i}`)
      }
    })
  }
}

test('the saved tensors rebuild the same scorer; a wrong shape is refused naming the file', async () => {
  const c = ref.primal
  const y = Float32Array.from(c.y, (v) => (v === null ? Number.NaN : v))
  const acc = await accumulateRidge(matrixSource(matrix(c.n, c.d, Float32Array.from(c.x)), y, c.k))
  const fit = await fitRidge(acc, { alpha: c.alpha })
  const u = await fitRidgeUncertainty(acc, fit)
  const x = matrix(c.xTest.length / c.d, c.d, Float32Array.from(c.xTest))
  const again = uncertaintyFromParams(JSON.parse(JSON.stringify(u.spec)), u.params, base(c.d))
  assert.deepEqual(await again.attributeStd(x), await u.attributeStd(x))
  const bad = { ...u.params, 'ridge.0.values': { shape: [2], data: new Float32Array(2) } }
  assert.throws(
    () => uncertaintyFromParams(u.spec, bad, base(c.d), 'models/x'),
    /uncertainty\.safetensors.*ridge\.0\.values/,
  )
})

test('the merged std uses the correlation: perfectly correlated attributes add, independent ones add in quadrature', () => {
  const s = Float64Array.of(1, 2)
  assert.ok(
    Math.abs(
      mergedStd(
        s,
        [0.5, 0.5],
        [
          [1, 1],
          [1, 1],
        ],
      )[0] - 1.5,
    ) < 1e-12,
  )
  assert.ok(
    Math.abs(
      mergedStd(
        s,
        [0.5, 0.5],
        [
          [1, 0],
          [0, 1],
        ],
      )[0] - Math.sqrt(1.25),
    ) < 1e-12,
  )
  assert.ok(
    Math.abs(
      mergedStd(
        s,
        [1, -1],
        [
          [1, 1],
          [1, 1],
        ],
      )[0] - 1,
    ) < 1e-12,
  )
})

/** Rows x ~ N(0, spread²·I) and y = 1 + x·w + N(0, σ²), one attribute. */
function draw(rng: Rng, w: Float64Array, sigma: number, n: number, spread: (i: number) => number) {
  const d = w.length
  const x = new Float32Array(n * d)
  const y = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    const s = spread(i)
    let v = 1
    for (let j = 0; j < d; j++) {
      x[i * d + j] = s * rng.normal()
      v += x[i * d + j] * w[j]
    }
    y[i] = v + sigma * rng.normal()
  }
  return { x: matrix(n, d, x), y }
}

/** Predictions on the rating scale and their std, for attribute 0. */
async function predict(fit: Awaited<ReturnType<typeof fitRidge>>, x: ReturnType<typeof matrix>) {
  const d = x.cols
  const w = fit.params['linear.weight'].data
  const p = new Float64Array(x.rows)
  for (let i = 0; i < x.rows; i++) {
    let z = fit.params['linear.bias'].data[0]
    for (let j = 0; j < d; j++) z += w[j] * x.data[i * d + j]
    p[i] = fit.targetStats[0].mean + fit.targetStats[0].std * z
  }
  return p
}

/**
 * Data drawn from the model itself: each replicate draws w ~ N(0, σ²/α·I), few training rows (so
 * the parameter term h is a large part of the variance) and test rows near and far (spread 1 and 3)
 * from the training cloud. With the true σ the Bayesian intervals must cover at their nominal level.
 */
test('on data drawn from the Bayesian linear model, interval coverage matches the nominal levels', async () => {
  const rng = new Rng(3)
  const d = 8
  const alpha = 4
  const sigma = 0.7
  const t: number[] = []
  const p: number[] = []
  const s: number[] = []
  const hs: number[] = []
  for (let r = 0; r < 150; r++) {
    const w = Float64Array.from({ length: d }, () => (sigma / Math.sqrt(alpha)) * rng.normal())
    const tr = draw(rng, w, sigma, 20, () => 1)
    const te = draw(rng, w, sigma, 40, (i) => (i % 2 ? 3 : 1))
    const acc = await accumulateRidge(matrixSource(tr.x, tr.y, 1))
    const fit = await fitRidge(acc, { alpha })
    const u = await fitRidgeUncertainty(acc, fit)
    const h = await u.leverage(te.x)
    const pred = await predict(fit, te.x)
    for (let i = 0; i < te.x.rows; i++) {
      t.push(te.y[i])
      p.push(pred[i])
      s.push(sigma * Math.sqrt(1 + h[i]))
      hs.push(h[i])
    }
  }
  const m = intervalMetrics(t, p, s)
  for (const l of m.levels) assert.ok(Math.abs(l.coverage - l.level) < 0.025, `coverage ${l.coverage} at ${l.level}`)
  assert.ok(Math.max(...hs) > 1, 'the far rows carry real parameter uncertainty')
  assert.ok(m.spearman_error_std > 0.1, `|error| and std correlate: ${m.spearman_error_std}`)
})

test('σ estimated on training and recalibrated on validation gives nominal coverage on like data', async () => {
  const rng = new Rng(5)
  const d = 10
  const w = Float64Array.from({ length: d }, () => rng.normal())
  const tr = draw(rng, w, 0.8, 300, () => 1)
  const va = draw(rng, w, 0.8, 3000, () => 1)
  const te = draw(rng, w, 0.8, 6000, () => 1)
  const acc = await accumulateRidge(matrixSource(tr.x, tr.y, 1))
  const fit = await fitRidge(acc, { validation: await accumulateRidge(matrixSource(va.x, va.y, 1)) })
  const u = await fitRidgeUncertainty(acc, fit, { residuals: matrixSource(va.x, va.y, 1), calibrate: true })
  const a = u.spec.attributes[0]
  assert.equal(a.calibration, 'validation')
  assert.ok(Math.abs(a.sigmaTrain / 0.8 - 1) < 0.1, `training estimate ${a.sigmaTrain}`)
  assert.ok(Math.abs(a.sigma / 0.8 - 1) < 0.05, `calibrated ${a.sigma}`)
  const m = intervalMetrics(te.y, await predict(fit, te.x), await u.attributeStd(te.x))
  for (const l of m.levels) assert.ok(Math.abs(l.coverage - l.level) < 0.025, `coverage ${l.coverage} at ${l.level}`)
})

for (const form of ['dual', 'auto'] as const) {
  test(`${form === 'dual' ? "'dual' (band narrower than the rows)" : "'auto' (eigen form from the kernel)"}: the variance equals a direct float64 inverse, and it reloads`, async () => {
    // 90 rows < 150 features, so the kernel's band (32) is a true band; attribute 1 misses 15 labels.
    const n = 90
    const d = 150
    const rng = new Rng(21)
    const x = Float32Array.from({ length: n * d }, () => (rng.float() < 0.3 ? rng.normal() : 0))
    const y = new Float32Array(n * 2)
    for (let i = 0; i < n; i++) {
      y[i * 2] = x[i * d] + 0.5 * rng.normal()
      y[i * 2 + 1] = i % 7 === 3 || i < 2 ? Number.NaN : x[i * d + 1] - x[i * d + 2] + rng.normal()
    }
    const acc = await accumulateRidge(matrixSource(matrix(n, d, x), y, 2))
    const fit = await fitRidge(acc, { alpha: 0.7 })
    const u = await fitRidgeUncertainty(acc, fit, { form })
    assert.deepEqual(
      u.spec.groups.map((g) => [g.form, g.rows, g.bandwidth, g.exact]),
      form === 'dual'
        ? [
            ['dual', 90, 32, true],
            ['dual', 75, 32, true],
          ]
        : [
            [undefined, 90, undefined, true],
            [undefined, 75, undefined, true],
          ],
    )
    const m = 6
    const xTest = Float32Array.from({ length: m * d }, (_, i) => (i < 2 * d ? x[i] : rng.normal()))
    const h = await u.leverage(matrix(m, d, xTest))
    for (let a = 0; a < 2; a++) {
      const rows = Array.from({ length: n }, (_, i) => i).filter((i) => !Number.isNaN(y[i * 2 + a]))
      const mean = new Float64Array(d)
      for (const i of rows) for (let j = 0; j < d; j++) mean[j] += x[i * d + j] / rows.length
      const A = new Float64Array(d * d)
      for (const i of rows) {
        for (let p = 0; p < d; p++) {
          const xp = x[i * d + p] - mean[p]
          if (xp === 0) continue
          for (let q = 0; q < d; q++) A[p * d + q] += xp * (x[i * d + q] - mean[q])
        }
      }
      for (let p = 0; p < d; p++) A[p * d + p] += 0.7
      const L = choleskyFactor(A, d)
      let trace = 0
      for (let r = 0; r < m; r++) {
        const z = Float64Array.from({ length: d }, (_, j) => xTest[r * d + j] - mean[j])
        const s = choleskySolve(L, d, z, 1)
        let q = 1 / rows.length
        for (let j = 0; j < d; j++) q += z[j] * s[j]
        relClose(h[r * 2 + a], q, 1e-4, `leverage row ${r} attribute ${a}`)
      }
      // df = 1 + tr(C(C + αI)⁻¹) = 1 + d − α·tr((C + αI)⁻¹)
      const inv = choleskySolve(
        L,
        d,
        Float64Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? 1 : 0)),
        d,
      )
      for (let j = 0; j < d; j++) trace += inv[j * d + j]
      relClose(u.spec.attributes[a].df, 1 + d - 0.7 * trace, 1e-8, `df ${a}`)
    }
    const again = uncertaintyFromParams(JSON.parse(JSON.stringify(u.spec)), u.params, base(d))
    assert.deepEqual(await again.attributeStd(matrix(m, d, xTest)), await u.attributeStd(matrix(m, d, xTest)))
    const name = form === 'dual' ? 'ridge.0.band' : 'ridge.0.values'
    const { [name]: _, ...missing } = u.params
    assert.throws(
      () => uncertaintyFromParams(u.spec, missing, base(d), 'models/x'),
      (e: unknown) => e instanceof Error && e.message.includes(`uncertainty.safetensors: missing tensor "${name}"`),
    )
  })
}

test('the std fit is deterministic: the same rows give the same tensors, bit for bit, in every form', async () => {
  const n = 60
  const d = 80
  const rng = new Rng(8)
  const x = Float32Array.from({ length: n * d }, () => (rng.float() < 0.4 ? rng.normal() : 0))
  const y = Float32Array.from({ length: n }, (_, i) => x[i * d] + rng.normal())
  const fitOnce = async (options: { form: 'auto' | 'eigen' | 'dual'; rank?: number }) => {
    const acc = await accumulateRidge(matrixSource(matrix(n, d, x), y, 1))
    const u = await fitRidgeUncertainty(acc, await fitRidge(acc, { alpha: 0.3 }), options)
    return { spec: u.spec, params: u.params }
  }
  // auto with rows ≤ rank (eigenSym of the kernel) and rows > rank (subspace iteration on it).
  for (const o of [
    { form: 'auto' },
    { form: 'auto', rank: 16 },
    { form: 'eigen', rank: 16 },
    { form: 'dual' },
  ] as const) {
    const a = await fitOnce(o)
    const b = await fitOnce(o)
    assert.deepEqual(b.spec, a.spec, JSON.stringify(o))
    for (const name of Object.keys(a.params)) {
      assert.deepEqual(Buffer.from(b.params[name].data.buffer), Buffer.from(a.params[name].data.buffer), name)
    }
  }
})
