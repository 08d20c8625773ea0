import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { matrix } from '../compute/matrix.ts'
import { Rng } from '../compute/rng.ts'
import { type BatchSource, groupedSource, matrixSource } from '../core/batch-source.ts'
import { pairwiseLoss } from '../objectives/bradley-terry.ts'
import { fitBradleyTerry, lineValues } from './bradley-terry.ts'

/** A pair source: rows chosen, rejected, chosen, ...; labels [p, m] on both rows of a pair. */
function pairs(chosen: ArrayLike<number>, rejected: ArrayLike<number>, d: number, p: ArrayLike<number>, m?: number[]) {
  const n = p.length
  const x = new Float32Array(2 * n * d)
  const y = new Float32Array(2 * n * 2)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      x[2 * i * d + j] = chosen[i * d + j]
      x[(2 * i + 1) * d + j] = rejected[i * d + j]
    }
    for (const r of [2 * i, 2 * i + 1]) {
      y[2 * r] = p[i]
      y[2 * r + 1] = m ? m[i] : 0
    }
  }
  return groupedSource(matrixSource(matrix(2 * n, d, x), y, 2), 2)
}

/** The same source without its in-memory rows, as an on-disk store presents itself. */
function onDisk(source: BatchSource): BatchSource {
  return { ...source, inMemory: undefined }
}

/** n random pairs whose labels follow a Bradley-Terry model with weights `truth`. */
function modelPairs(rng: Rng, n: number, truth: Float64Array) {
  const d = truth.length
  const c = Float32Array.from({ length: n * d }, () => rng.normal())
  const r = Float32Array.from({ length: n * d }, () => rng.normal())
  const p = Array.from({ length: n }, (_, i) => {
    let s = 0
    for (let j = 0; j < d; j++) s += truth[j] * (c[i * d + j] - r[i * d + j])
    return rng.float() < 1 / (1 + Math.exp(-s)) ? 1 : 0
  })
  return { c, r, p, source: pairs(c, r, d, p) }
}

test('L-BFGS on L_BT - λ‖w‖² matches scikit-learn LogisticRegression(fit_intercept=False) within 1e-4', async () => {
  const ref = JSON.parse(
    readFileSync(new URL('../../test/fixtures/bradley-terry/logreg-ref.json', import.meta.url), 'utf8'),
  )
  const fit = await fitBradleyTerry(pairs(ref.chosen, ref.rejected, ref.d, ref.labels), { l2: ref.l2 })
  const w = fit.params['linear.weight'].data
  for (let j = 0; j < ref.d; j++)
    assert.ok(Math.abs(w[j] - ref.weight[j]) < 1e-4, `w[${j}] ${w[j]} vs ${ref.weight[j]}`)
  assert.equal(fit.params['linear.bias'].data[0], 0)
  assert.ok(fit.gradientMax < 1e-9 && fit.iterations < 20, `${fit.gradientMax} after ${fit.iterations}`)
})

test('L-BFGS with margins and centering reaches a zero gradient of the full objective', async () => {
  const rng = new Rng(2)
  const n = 50
  const d = 3
  const c = Float32Array.from({ length: n * d }, () => rng.normal() + 0.5)
  const r = Float32Array.from({ length: n * d }, () => rng.normal())
  const p = Array.from({ length: n }, () => rng.float())
  const m = Array.from({ length: n }, () => 0.3 * rng.float())
  const l2 = 0.01
  const center = 0.05
  const fit = await fitBradleyTerry(pairs(c, r, d, p, m), { l2, center })
  const w = Array.from(fit.params['linear.weight'].data)
  const b = fit.params['linear.bias'].data[0]
  // F(w, b) from pairwiseLoss; its finite-difference gradient vanishes at the fit (float32 weights).
  const F = (w: number[], b: number) => {
    const reward = (x: Float32Array, i: number) => w.reduce((s, v, j) => s + v * x[i * d + j], b)
    const rc = Array.from({ length: n }, (_, i) => reward(c, i))
    const rr = Array.from({ length: n }, (_, i) => reward(r, i))
    return pairwiseLoss(rc, rr, { labels: p, margins: m, center }).value - l2 * w.reduce((s, v) => s + v * v, 0)
  }
  const h = 1e-4
  for (let j = 0; j <= d; j++) {
    const up = j < d ? w.map((v, i) => (i === j ? v + h : v)) : w
    const down = j < d ? w.map((v, i) => (i === j ? v - h : v)) : w
    const g = (F(up, j === d ? b + h : b) - F(down, j === d ? b - h : b)) / (2 * h)
    assert.ok(Math.abs(g) < 1e-5, `∂F/∂θ${j} = ${g}`)
  }
  assert.ok(b !== 0, 'centering fits the bias')
})

test('λ is chosen on validation L_BT from the grid', async () => {
  const rng = new Rng(9)
  const d = 20
  const make = (n: number) => {
    const c = Float32Array.from({ length: n * d }, () => rng.normal())
    const r = Float32Array.from({ length: n * d }, () => rng.normal())
    // Only the first feature matters, noisily: a small training set overfits without L2.
    const p = Array.from({ length: n }, (_, i) => (rng.float() < 1 / (1 + Math.exp(-(c[i * d] - r[i * d]))) ? 1 : 0))
    return pairs(c, r, d, p)
  }
  const fit = await fitBradleyTerry(make(40), { l2: [1e-5, 1e-3, 1e-1], validation: make(400) })
  assert.equal(fit.grid.length, 3)
  const best = fit.grid.reduce((a, b) => (b.valLBT > a.valLBT ? b : a))
  assert.equal(fit.l2, best.l2)
  assert.ok(fit.grid.every((g) => g.valLBT <= 0 && g.valAccuracy >= 0 && g.valAccuracy <= 1))
})

test('large problems (float32 products) stop at the optimum to float32 precision, two passes over the pairs an iteration, in place or built', async () => {
  const rng = new Rng(4)
  const n = 4096
  const d = 256 // n·d = 1M entries: the onnxruntime float32 path
  const truth = Float64Array.from({ length: d }, () => rng.normal() / 4)
  const { c, r, p, source } = modelPairs(rng, n, truth)
  const l2 = 1e-4
  // In place (the in-memory source's rows) and as built differences (an on-disk store's path).
  const inPlace = await fitBradleyTerry(source, { l2 })
  const built = await fitBradleyTerry(onDisk(source), { l2 })
  for (const fit of [inPlace, built]) {
    // The gradient of F in float64 at the returned (float32) weights: (1/n)·Zᵀ(p − σ(Z·w)) − 2λw.
    const w = fit.params['linear.weight'].data
    const grad = new Float64Array(d)
    for (let i = 0; i < n; i++) {
      let s = 0
      for (let j = 0; j < d; j++) s += w[j] * (c[i * d + j] - r[i * d + j])
      const e = (p[i] - 1 / (1 + Math.exp(-s))) / n
      for (let j = 0; j < d; j++) grad[j] += e * (c[i * d + j] - r[i * d + j])
    }
    const gMax = grad.reduce((mx, g, j) => Math.max(mx, Math.abs(g - 2 * l2 * w[j])), 0)
    assert.ok(gMax < 1e-6, `max |∂F/∂w| ${gMax}`)
    assert.ok(fit.iterations <= 25, `${fit.iterations} L-BFGS steps`)
    // Line searches run on cached products: one pass for the direction, one for the gradient.
    assert.equal(fit.passes, 2 * fit.iterations + 1, `${fit.passes} passes in ${fit.iterations} steps`)
  }
  const [a, b] = [inPlace, built].map((f) => f.params['linear.weight'].data)
  assert.ok(
    a.every((v, j) => Math.abs(v - b[j]) < 1e-4),
    'both layouts reach the same optimum',
  )
})

test('the line search derivatives φ′(t), φ″(t) and ∂f/∂d_i match finite differences', () => {
  const rng = new Rng(11)
  const n = 40
  const zw = Float64Array.from({ length: n }, () => 2 * rng.normal())
  const zq = Float64Array.from({ length: n }, () => rng.normal())
  const a = {
    n,
    d: 1,
    z: new Float32Array(n),
    u: null,
    p: Float64Array.from({ length: n }, () => rng.float()),
    m: Float64Array.from({ length: n }, () => 0.2 * rng.float()),
  }
  const h = 1e-5
  for (const t of [-0.7, 0, 0.3, 2]) {
    const at = lineValues(a, zw, zq, t, null)
    const up = lineValues(a, zw, zq, t + h, null)
    const down = lineValues(a, zw, zq, t - h, null)
    assert.ok(Math.abs((up.f - down.f) / (2 * h) - at.d1) < 1e-8, `φ′(${t})`)
    assert.ok(Math.abs((up.d1 - down.d1) / (2 * h) - at.d2) < 1e-8, `φ″(${t})`)
  }
  // ∂f/∂d_i: moving one pair's d by h (through zw) changes f by e_i·h.
  const e = new Float64Array(n)
  lineValues(a, zw, null, 0, e)
  for (const i of [0, 7, 39]) {
    const shifted = (s: number) =>
      lineValues(
        a,
        zw.map((v, k) => (k === i ? v + s : v)),
        null,
        0,
        null,
      ).f
    assert.ok(Math.abs((shifted(h) - shifted(-h)) / (2 * h) - e[i]) < 1e-9, `∂f/∂d_${i}`)
  }
})

test('a λ grid warm-started on cached products reaches the single-λ optimum; fits are bit-identical', async () => {
  const rng = new Rng(21)
  const d = 256
  const truth = Float64Array.from({ length: d }, () => rng.normal() / 4)
  const make = (n: number) => modelPairs(rng, n, truth).source
  const train = make(4096) // 1M entries: float32 products
  const val = make(512)
  const grid = await fitBradleyTerry(train, { l2: [1e-1, 1e-2, 1e-3], validation: val })
  const single = await fitBradleyTerry(train, { l2: grid.l2 })
  const again = await fitBradleyTerry(train, { l2: grid.l2 })
  const [wg, ws, wa] = [grid, single, again].map((f) => f.params['linear.weight'].data)
  let diff = 0
  for (let j = 0; j < d; j++) diff = Math.max(diff, Math.abs(wg[j] - ws[j]))
  assert.ok(grid.l2 < 1e-1, `the grid chose ${grid.l2}: no warm start was tested`)
  assert.ok(diff < 1e-4, `warm-started vs cold weights differ by ${diff}`)
  assert.deepEqual(Buffer.from(wa.buffer), Buffer.from(ws.buffer))
})

test('large problems with margins and centering (float32 products of Z and U, in place or built) reach a zero gradient', async () => {
  const rng = new Rng(8)
  const n = 4096
  const d = 256
  const truth = Float64Array.from({ length: d }, () => rng.normal() / 4)
  const { c, r, p } = modelPairs(rng, n, truth)
  const m = Array.from({ length: n }, () => 0.3 * rng.float())
  const [l2, eta] = [1e-3, 0.05]
  const source = pairs(c, r, d, p, m)
  for (const fit of [
    await fitBradleyTerry(source, { l2, center: eta }),
    await fitBradleyTerry(onDisk(source), { l2, center: eta }),
  ]) {
    assert.ok(fit.passes <= 4 * fit.iterations + 2, `${fit.passes} passes in ${fit.iterations} iterations`)
    // ∇F in float64 at the returned float32 weights and bias, F as in pairwiseLoss minus λ‖w‖².
    const w = fit.params['linear.weight'].data
    const b = fit.params['linear.bias'].data[0]
    const grad = new Float64Array(d + 1)
    for (let i = 0; i < n; i++) {
      let rc = b
      let rr = b
      for (let j = 0; j < d; j++) {
        rc += w[j] * c[i * d + j]
        rr += w[j] * r[i * d + j]
      }
      const e = p[i] - 1 / (1 + Math.exp(-(rc - rr - m[i])))
      const s = rc + rr
      for (let j = 0; j < d; j++) {
        grad[j] += (e * (c[i * d + j] - r[i * d + j]) - 2 * eta * s * (c[i * d + j] + r[i * d + j])) / n
      }
      grad[d] += (-4 * eta * s) / n
    }
    for (let j = 0; j < d; j++) grad[j] -= 2 * l2 * w[j]
    const gMax = grad.reduce((mx, g) => Math.max(mx, Math.abs(g)), 0)
    assert.ok(gMax < 1e-5, `max |∂F/∂θ| ${gMax}`)
    assert.ok(b !== 0, 'centering fits the bias')
  }
})
