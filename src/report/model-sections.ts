/**
 * One model's part of the report: per evaluated column (each attribute and the merged reward) a
 * scatter of prediction against target, a residual histogram and a calibration curve (with
 * uncertainty also interval coverage against nominal and |error| against std); the training
 * curves; preference accuracy per subset; and the worst-predicted rows and pairs with their texts.
 *
 * @example
 *   ratingCharts(evaluation.ratings.predictions, evaluation.ratings.report)   // '<div class="charts">…'
 */
import type { IntervalMetrics } from '../eval/interval-metrics.ts'
import type { RatingPredictions } from '../eval/predict-ratings.ts'
import type { ScoredPairs } from '../eval/score-pairs.ts'
import type { PairReport } from '../eval/summarize-pairs.ts'
import { type Column, type RatingReport, ratingColumns } from '../eval/summarize-ratings.ts'
import { extent } from './axis.ts'
import { escapeHtml } from './escape.ts'
import { fmt } from './metric-tables.ts'
import { barChart, histogramChart, lineChart, type Point, scatterChart } from './svg-charts.ts'
import type { EpochPoint } from './training-log.ts'

/** Scatter points drawn at most; a larger set is thinned evenly (every k-th labelled row). */
export const MAX_SCATTER_POINTS = 1500

/**
 * Labelled (target, prediction) points. Ratings are usually a few discrete levels, where points
 * would stack into columns that hide their density; then x gets a small deterministic jitter
 * (golden-ratio sequence, within ±15% of the gap between levels). `jittered` says whether it did.
 */
function labelledPoints(c: Column): { points: Point[]; jittered: boolean } {
  const pts: Point[] = []
  for (let i = 0; i < c.targets.length; i++) {
    if (!Number.isNaN(c.targets[i])) pts.push({ x: c.targets[i], y: c.predictions[i] })
  }
  const thinned =
    pts.length <= MAX_SCATTER_POINTS
      ? pts
      : Array.from({ length: MAX_SCATTER_POINTS }, (_, j) => pts[Math.floor((j * pts.length) / MAX_SCATTER_POINTS)])
  const levels = [...new Set(thinned.map((p) => p.x))].sort((a, b) => a - b)
  if (levels.length < 2 || levels.length > 25) return { points: thinned, jittered: false }
  let gap = Number.POSITIVE_INFINITY
  for (let j = 1; j < levels.length; j++) gap = Math.min(gap, levels[j] - levels[j - 1])
  const points = thinned.map((p, j) => ({ x: p.x + ((((j + 1) * 0.6180339887) % 1) - 0.5) * 0.3 * gap, y: p.y }))
  return { points, jittered: true }
}

export function ratingCharts(p: RatingPredictions, report: RatingReport): string {
  const columns = ratingColumns(p)
  const out: string[] = []
  columns.forEach((c, j) => {
    const name = j < p.attributes.length ? p.attributes[j] : 'reward (merged)'
    const col = j < p.attributes.length ? report.attributes[name] : report.reward
    const { points: pts, jittered } = labelledPoints(c)
    const scale = j < p.attributes.length ? p.scales[j] : null
    // With a known scale both axes span at least the scale, so models are drawn on the same frame.
    const domain = scale ? extent([scale.min, scale.max, ...pts.flatMap((q) => [q.x, q.y])]) : undefined
    const residuals = allResiduals(c)
    const bins = col.calibration.bins
    out.push(
      `<div class="column"><h4>${escapeHtml(name)} <span class="muted">n = ${col.n}, pearson ${fmt(col.pearson, 3)}</span></h4><div class="charts">`,
      scatterChart(pts, {
        title: `${name}: prediction vs target`,
        xLabel: jittered ? 'target rating (jittered)' : 'target rating',
        yLabel: 'prediction',
        diagonal: true,
        xDomain: domain,
        yDomain: domain,
      }),
      histogramChart(residuals, {
        title: `${name}: residuals`,
        xLabel: 'prediction − target',
        yLabel: 'rows',
        bins: 30,
      }),
      lineChart(
        [{ name: 'bins (equal count)', points: bins.map((b) => ({ x: b.mean_prediction, y: b.mean_target })) }],
        {
          title: `${name}: calibration`,
          xLabel: 'mean prediction in bin',
          yLabel: 'mean target in bin',
          diagonal: true,
        },
      ),
      col.intervals && c.std ? uncertaintyCharts(name, c, col.intervals) : '',
      '</div></div>',
    )
  })
  return out.join('')
}

/** Coverage (observed against nominal: on the diagonal when calibrated) and |error| against std. */
function uncertaintyCharts(name: string, c: Column, iv: IntervalMetrics): string {
  const std = c.std as Float64Array
  const pts: Point[] = []
  for (let i = 0; i < c.targets.length; i++) {
    if (!Number.isNaN(c.targets[i])) pts.push({ x: std[i], y: Math.abs(c.predictions[i] - c.targets[i]) })
  }
  const thinned =
    pts.length <= MAX_SCATTER_POINTS
      ? pts
      : Array.from({ length: MAX_SCATTER_POINTS }, (_, j) => pts[Math.floor((j * pts.length) / MAX_SCATTER_POINTS)])
  return (
    lineChart([{ name: 'observed coverage', points: iv.levels.map((l) => ({ x: l.level, y: l.coverage })) }], {
      title: `${name}: interval coverage`,
      xLabel: 'nominal coverage',
      yLabel: 'observed coverage',
      diagonal: true,
      xDomain: [0, 1],
      yDomain: [0, 1],
    }) +
    scatterChart(thinned, {
      title: `${name}: |error| vs std (Spearman ${fmt(iv.spearman_error_std, 3)})`,
      xLabel: 'predictive std',
      yLabel: '|prediction − target|',
    })
  )
}

function allResiduals(c: Column): number[] {
  const r: number[] = []
  for (let i = 0; i < c.targets.length; i++) if (!Number.isNaN(c.targets[i])) r.push(c.predictions[i] - c.targets[i])
  return r
}

export function trainingChart(log: EpochPoint[] | null): string {
  if (!log) return '<p class="note">No training log (training-log.jsonl) in the model folder.</p>'
  const series = [
    {
      name: 'train L_rating',
      points: log.filter((e) => e.train !== null).map((e) => ({ x: e.epoch, y: e.train as number })),
    },
    {
      name: 'validation L_rating',
      points: log.filter((e) => e.val !== null).map((e) => ({ x: e.epoch, y: e.val as number })),
    },
  ].filter((s) => s.points.length > 0)
  if (series.length === 0) return '<p class="note">The training log has no L_rating values.</p>'
  return `<div class="charts">${lineChart(series, { title: 'Training curves (L_rating = −MSE, higher is better)', xLabel: 'epoch', yLabel: 'L_rating', width: 520 })}</div>`
}

export function pairChart(p: PairReport): string {
  const bars = [
    { label: 'all pairs', value: p.accuracy, note: `(n = ${p.n})` },
    ...Object.entries(p.subsets).map(([label, s]) => ({ label, value: s.accuracy, note: `(n = ${s.n})` })),
  ]
  return `<div class="charts">${barChart(bars, { title: 'Preference accuracy per subset (line: chance)', reference: 0.5 })}</div>`
}

const MAX_TEXT = 500

/** Long texts show their start, with the whole text one click away. */
function text(s: string): string {
  if (s.length <= MAX_TEXT) return `<div class="text">${escapeHtml(s)}</div>`
  return `<details class="text"><summary>${escapeHtml(s.slice(0, MAX_TEXT))}…</summary>${escapeHtml(s)}</details>`
}

const kv = (o: Record<string, number | null>) =>
  Object.entries(o)
    .map(([k, v]) => `${escapeHtml(k)} ${fmt(v, 2)}`)
    .join('<br>')

export function worstExamples(p: RatingPredictions): string {
  if (p.worst.length === 0) return ''
  const rows = p.worst.map(
    (w) =>
      `<tr class="worst"><td>${w.line}</td><td>${text(w.prompt)}</td><td>${text(w.response)}</td><td>${kv(w.targets)}</td><td>${kv(w.scores)}</td><td>${fmt(w.error, 3)}</td></tr>`,
  )
  return `<table class="examples ratings"><thead><tr><th>line</th><th>prompt</th><th>response</th><th>target</th><th>prediction</th><th>squared error</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
}

export function wrongPairs(s: ScoredPairs): string {
  if (s.worst.length === 0) return ''
  const rows = s.worst.map(
    (w) =>
      `<tr class="worst"><td>${w.line}</td><td>${escapeHtml(w.subset ?? '')}</td><td>${text(w.prompt)}</td><td>${text(w.chosen)}<div class="muted">reward ${fmt(w.reward_chosen, 3)}</div></td><td>${text(w.rejected)}<div class="muted">reward ${fmt(w.reward_rejected, 3)}</div></td><td>${fmt(w.margin, 3)}</td></tr>`,
  )
  return `<table class="examples pairs"><thead><tr><th>line</th><th>subset</th><th>prompt</th><th>chosen</th><th>rejected</th><th>margin</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
}
