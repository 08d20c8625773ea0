import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ridgeModel } from '../../test/helpers/ridge-model.ts'
import { renderReport } from '../report/render-report.ts'
import { evaluateModels } from './evaluate.ts'
import { intervalMetrics, normalQuantile } from './interval-metrics.ts'

test('normalQuantile matches known values of Φ⁻¹', () => {
  const known: [number, number][] = [
    [0.5, 0],
    [0.75, 0.6744897501960817],
    [0.9, 1.2815515655446004],
    [0.95, 1.6448536269514722],
    [0.975, 1.959963984540054],
    [0.01, -2.3263478740408408],
  ]
  for (const [p, z] of known) assert.ok(Math.abs(normalQuantile(p) - z) < 1e-8, `${p}: ${normalQuantile(p)}`)
})

test('intervalMetrics counts rows inside ŷ ± z·std, skips missing labels, and correlates |error| with std', () => {
  // errors 0.1, 0.5, 1, 3 with std 1 each: ±0.674 (50%) holds 2 of 4, ±1.28 (80%) and wider hold 3.
  const m = intervalMetrics([1, 1.5, 2, Number.NaN, 4], [1.1, 2, 3, 0, 1], [1, 1, 1, 1, 1])
  assert.equal(m.n, 4)
  assert.deepEqual(
    m.levels.map((l) => l.coverage),
    [0.5, 0.75, 0.75, 0.75],
  )
  assert.ok(Math.abs(m.levels[3].width - 2 * 1.959963984540054) < 1e-8)
  const r = intervalMetrics([0, 0, 0], [0.1, 1, 2], [0.2, 0.5, 3])
  assert.equal(r.spearman_error_std, 1)
})

test('eval reports interval coverage per attribute and the reward; the report draws coverage and error vs std', async () => {
  const { model, pairs } = await ridgeModel()
  const rows = pairs.map((p, i) => ({ ...p, targets: Float64Array.of(i % 5, (i * 7) % 4), line: i + 1 }))
  const run = await evaluateModels([{ label: 'm', model }], { ratings: () => rows }, { bootstrap: 0 })
  const report = run.models[0].ratings?.report
  assert.ok(report?.attributes.quality.intervals && report.reward.intervals)
  assert.deepEqual(
    report.attributes.quality.intervals.levels.map((l) => l.level),
    [0.5, 0.8, 0.9, 0.95],
  )
  const html = renderReport(run, { logs: [null] })
  assert.match(html, /quality: interval coverage/)
  assert.match(html, /\|error\| vs std/)
})
