import assert from 'node:assert/strict'
import { test } from 'node:test'
import { matrix } from '../compute/matrix.ts'
import { Rng } from '../compute/rng.ts'
import { matrixSource } from '../core/batch-source.ts'
import { intervalMetrics } from '../eval/interval-metrics.ts'
import { type HeadSpec, headFromParams } from '../heads/registry.ts'
import { trainEnsemble } from '../train/ensemble.ts'
import { EnsembleUncertainty, type EnsembleUncertaintySpec, memberTensor } from './ensemble-uncertainty.ts'
import { fitEnsembleUncertainty } from './fit-ensemble-uncertainty.ts'
import { selectRows } from './select-rows.ts'

/** Rows x ~ N(0, I) and y = 2 + x·w + N(0, σ²), one attribute. */
function draw(rng: Rng, w: number[], sigma: number, n: number) {
  const d = w.length
  const x = new Float32Array(n * d)
  const y = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    let v = 2
    for (let j = 0; j < d; j++) {
      x[i * d + j] = rng.normal()
      v += x[i * d + j] * w[j]
    }
    y[i] = v + sigma * rng.normal()
  }
  return { x: matrix(n, d, x), y }
}

/**
 * Coverage of an `--ensemble 5 --bootstrap` linear model on held-out rows drawn from the same known
 * linear-Gaussian model. Tolerance 0.03: the test split's binomial sd is at most 0.011 (2,000 rows,
 * at 50%), and σ calibrated on 1,000 validation rows is off by ~2% (sd), which moves a coverage by
 * up to ~0.012; 0.03 is about two of those combined, and a miscalibrated std (e.g. the spread alone,
 * without σ) misses it by far (checked below).
 */
test('--ensemble 5: calibrated intervals cover at their nominal levels on held-out data from the model', async () => {
  const rng = new Rng(11)
  const w = [0.8, -0.5, 0.3, 0, 1.1, -0.2]
  const sigma = 0.6
  const tr = draw(rng, w, sigma, 1500)
  const va = draw(rng, w, sigma, 1000)
  const te = draw(rng, w, sigma, 2000)
  const { members } = await trainEnsemble(
    { train: matrixSource(tr.x, tr.y, 1), val: matrixSource(va.x, va.y, 1) },
    { head: 'linear', members: 5, bootstrap: true, epochs: 8, lr: 0.03, batchSize: 64, patience: 0, seed: 2 },
  )
  const u = await fitEnsembleUncertainty(members, {
    bootstrap: true,
    residuals: matrixSource(va.x, va.y, 1),
    calibration: 'validation',
  })
  const p = await u.predict(te.x, [1])
  const t = Array.from(te.y)
  const m = intervalMetrics(t, Array.from(p.scores), Array.from(p.rewardStd))
  for (const l of m.levels) assert.ok(Math.abs(l.coverage - l.level) < 0.03, `coverage ${l.coverage} at ${l.level}`)
  assert.ok(Math.abs(u.spec.sigma[0] - sigma) < 0.05, `σ ${u.spec.sigma[0]} vs the true ${sigma}`)
  // The members' spread alone (no σ) is far too narrow here: the calibration is what makes it hold.
  const spreadOnly = intervalMetrics(
    t,
    Array.from(p.scores),
    Array.from(p.rewardStd, (s) => Math.sqrt(Math.max(1e-12, s * s - u.spec.sigma[0] ** 2))),
  )
  assert.ok(spreadOnly.levels[2].coverage < 0.5, `spread-only 90% coverage ${spreadOnly.levels[2].coverage}`)
})

/** A linear head x ↦ w·x (one output, no bias). */
const linearHead = (w: number[]) =>
  headFromParams(
    { type: 'linear', inputDim: w.length, outputs: 1 },
    {
      'linear.weight': { shape: [1, w.length], data: Float32Array.from(w) },
      'linear.bias': { shape: [1], data: new Float32Array(1) },
    },
  )

/** An ensemble of linear heads with given weights [members][d] (one attribute, no bias). */
function linearEnsemble(ws: number[][], sigma: number): EnsembleUncertainty {
  const d = ws[0].length
  const params: Record<string, { shape: number[]; data: Float32Array }> = {}
  ws.slice(1).forEach((wm, i) => {
    params[memberTensor(i + 1, 'linear.weight')] = { shape: [1, d], data: Float32Array.from(wm) }
    params[memberTensor(i + 1, 'linear.bias')] = { shape: [1], data: new Float32Array(1) }
  })
  const spec: EnsembleUncertaintySpec = {
    type: 'ensemble',
    members: ws.length,
    bootstrap: false,
    memberStats: ws.slice(1).map(() => [{ mean: 0, std: 1 }]),
    sigma: [sigma],
    calibration: 'validation',
    correlation: [[1]],
  }
  const h0 = linearHead(ws[0])
  return new EnsembleUncertainty(spec, params, h0.spec as HeadSpec, h0, [{ mean: 0, std: 1 }])
}

test('when the members disagree more than they err, σ is 0 and the spread shrinks so std² matches error² on validation', async () => {
  const rng = new Rng(4)
  const w = [1, -1, 0.5, 0.2]
  // Members far apart (sd 1 around w): their spread is several times the actual error.
  const ws = Array.from({ length: 5 }, () => w.map((v) => v + rng.normal()))
  const base = linearEnsemble(ws, 0)
  const va = draw(rng, w, 0.3, 2000)
  for (let i = 0; i < va.y.length; i++) va.y[i] -= 2
  const u = await fitEnsembleUncertainty(
    ws.map((wm) => ({ head: linearHead(wm), targetStats: [{ mean: 0, std: 1 }] })),
    { bootstrap: false, residuals: matrixSource(va.x, va.y, 1), calibration: 'validation' },
  )
  assert.equal(u.spec.sigma[0], 0)
  const s = u.spec.attributeSpreadScale?.[0] ?? 1
  assert.ok(s < 0.9, `spread scale ${s}`)
  const p = await u.predict(va.x, [1])
  const before = await base.predict(va.x, [1])
  let err2 = 0
  let std2 = 0
  let raw2 = 0
  for (let i = 0; i < va.y.length; i++) {
    err2 += (va.y[i] - p.scores[i]) ** 2
    std2 += p.rewardStd[i] ** 2
    raw2 += before.rewardStd[i] ** 2
  }
  assert.ok(Math.abs(std2 / err2 - 1) < 1e-9, `mean std² ${std2 / va.y.length} vs mean error² ${err2 / va.y.length}`)
  assert.ok(raw2 > 2 * err2, 'uncalibrated, the spread was too wide')
})

test('greedy with an ensemble: conditions the members’ covariance by rank one, skips near-duplicates, is deterministic', async () => {
  const rng = new Rng(7)
  const d = 5
  const ws = Array.from({ length: 6 }, () => Array.from({ length: d }, () => rng.normal()))
  const sigma = 0.2
  const u = linearEnsemble(ws, sigma)
  const n = 30
  const x = Float32Array.from({ length: n * d }, () => rng.normal())
  // Rows 0-4: one far point and four tiny perturbations of it (the largest spread in the pool).
  for (let c = 0; c < 5; c++) for (let j = 0; j < d; j++) x[c * d + j] = 4 + (c ? 1e-3 * rng.normal() : 0)
  const px = matrix(n, d, x)
  const byVariance = await selectRows(u, [1], px, { budget: 5, strategy: 'variance' })
  assert.deepEqual(byVariance.map((p) => p.row).sort(), [0, 1, 2, 3, 4])
  const picks = await selectRows(u, [1], px, { budget: 5, strategy: 'greedy' })
  assert.equal(picks.filter((p) => p.row < 5).length, 1, JSON.stringify(picks))
  assert.deepEqual(await selectRows(u, [1], px, { budget: 5, strategy: 'greedy' }), picks)
  // Against the full covariance: C_ij = Σ_m e_m(i)·e_m(j)/(M − 1), conditioned on the first pick.
  const f = await u.memberScores(px)
  const M = f.length
  const e = Array.from({ length: n }, (_, i) => {
    const mean = f.reduce((s, fm) => s + fm[i], 0) / M
    return f.map((fm) => fm[i] - mean)
  })
  const C = (i: number, j: number) => e[i].reduce((s, v, m) => s + v * e[j][m], 0) / (M - 1)
  const b = picks[0].row
  assert.ok(Math.abs(picks[0].std - Math.sqrt(sigma ** 2 + C(b, b))) < 1e-9)
  const cond = (i: number) => C(i, i) - C(i, b) ** 2 / (C(b, b) + sigma ** 2)
  let best = -1
  for (let i = 0; i < n; i++) if (i !== b && (best < 0 || cond(i) > cond(best))) best = i
  assert.equal(picks[1].row, best)
  assert.ok(Math.abs(picks[1].std - Math.sqrt(sigma ** 2 + cond(best))) < 1e-9 * (1 + picks[1].std))
  assert.ok(picks[1].std <= picks[1].stdBefore)
})
