/**
 * The report's tables, rendered from the very object `--json` prints (evalJson / modelJson), so
 * the two cannot disagree. Each number cell carries its JSON path and exact value
 * (`data-key="attributes.helpfulness.pearson" data-value="0.7134..."`) for readers and tests.
 *
 * @example
 *   ratingTable(modelJson(run.models[0]))   // '<table class="metrics">…<td data-key="reward.mse" …'
 */
import type { Comparison, MetricComparison } from '../eval/compare.ts'
import type { PairReport } from '../eval/summarize-pairs.ts'
import { RATING_METRIC_NAMES, type RatingReport } from '../eval/summarize-ratings.ts'
import { escapeHtml } from './escape.ts'

export const fmt = (v: unknown, digits = 4): string => {
  if (typeof v !== 'number') return v === null || v === undefined ? 'n/a' : escapeHtml(v)
  if (Number.isNaN(v)) return 'n/a'
  return Number.isInteger(v) ? String(v) : v.toFixed(digits)
}

/** A number cell with its JSON path and value, and the interval under it when there is one. */
function cell(path: string, v: unknown, ci?: [number, number]): string {
  const interval = ci ? `<br><span class="ci">[${fmt(ci[0], 3)}, ${fmt(ci[1], 3)}]</span>` : ''
  return `<td data-key="${escapeHtml(path)}" data-value="${escapeHtml(JSON.stringify(v ?? null))}">${fmt(v)}${interval}</td>`
}

const head = (names: string[]) => `<thead><tr>${names.map((n) => `<th>${escapeHtml(n)}</th>`).join('')}</tr></thead>`

/** Metrics per attribute and for the merged reward, with intervals and the out-of-scale share. */
export function ratingTable(report: RatingReport): string {
  const rows: string[] = []
  const row = (label: string, path: string, c: RatingReport['reward']) => {
    const cells = RATING_METRIC_NAMES.map((m) => cell(`${path}.${m}`, c[m], c.ci?.[m]))
    cells.push(cell(`${path}.n`, c.n))
    cells.push(path === 'reward' ? '<td>—</td>' : cell(`${path}.out_of_scale`, c.out_of_scale))
    cells.push(cell(`${path}.calibration.error`, c.calibration.error))
    rows.push(`<tr><th>${escapeHtml(label)}</th>${cells.join('')}</tr>`)
  }
  for (const [name, c] of Object.entries(report.attributes)) row(name, `attributes.${name}`, c)
  row('reward (merged)', 'reward', report.reward)
  const note = report.bootstrap
    ? `<p class="note">Brackets: ${Math.round(report.bootstrap.level * 100)}% percentile bootstrap intervals, ${report.bootstrap.resamples} resamples, seed ${report.bootstrap.seed}. L_rating = −MSE (higher is better).</p>`
    : '<p class="note">No bootstrap intervals (--bootstrap 0). L_rating = −MSE (higher is better).</p>'
  return `<table class="metrics">${head(['', ...RATING_METRIC_NAMES, 'n', 'out of scale', 'calibration error'])}<tbody>${rows.join('')}</tbody></table>${note}`
}

/** Spread of the model's predictions per column. */
export function spreadTable(report: RatingReport): string {
  const keys = ['mean', 'std', 'min', 'q05', 'q25', 'q50', 'q75', 'q95', 'max'] as const
  const rows = [
    ...Object.entries(report.attributes).map(([name, c]) => [name, `attributes.${name}`, c] as const),
    ['reward (merged)', 'reward', report.reward] as const,
  ].map(
    ([label, path, c]) =>
      `<tr><th>${escapeHtml(label)}</th>${keys.map((k) => cell(`${path}.prediction_spread.${k}`, c.prediction_spread[k])).join('')}</tr>`,
  )
  return `<table class="metrics">${head(['prediction spread', ...keys])}<tbody>${rows.join('')}</tbody></table>`
}

export function pairTable(p: PairReport): string {
  const rows = [
    `<tr><th>all pairs</th>${cell('pairs.accuracy', p.accuracy, p.ci?.accuracy)}${cell('pairs.mean_margin', p.mean_margin, p.ci?.mean_margin)}${cell('pairs.ties', p.ties)}${cell('pairs.n', p.n)}</tr>`,
    ...Object.entries(p.subsets).map(
      ([name, s]) =>
        `<tr><th>${escapeHtml(name)}</th>${cell(`pairs.subsets.${name}.accuracy`, s.accuracy, s.ci?.accuracy)}${cell(`pairs.subsets.${name}.mean_margin`, s.mean_margin)}${cell(`pairs.subsets.${name}.ties`, s.ties)}${cell(`pairs.subsets.${name}.n`, s.n)}</tr>`,
    ),
  ]
  let sections = ''
  if (p.sections) {
    const srows = Object.entries(p.sections).map(
      ([name, s]) =>
        `<tr><th>${escapeHtml(name)}</th>${cell(`pairs.sections.${name}.score`, s.score, s.ci)}${cell(`pairs.sections.${name}.n`, s.n)}<td class="text">${escapeHtml(s.missing.join(', ') || '—')}</td></tr>`,
    )
    srows.push(
      `<tr><th>score (mean of sections)</th>${cell('pairs.score', p.score, p.ci?.score)}<td></td><td></td></tr>`,
    )
    sections = `<table class="metrics">${head(['section', 'score', 'n', 'subsets missing from the data'])}<tbody>${srows.join('')}</tbody></table>`
  }
  return `<table class="metrics">${head(['', 'accuracy', 'mean margin', 'ties', 'n'])}<tbody>${rows.join('')}</tbody></table>${sections}<p class="note">A pair is won when reward(chosen) &gt; reward(rejected); a tie counts half.</p>`
}

/** B against A per metric: both values, the difference with its interval, and the paired-bootstrap figures. */
export function comparisonTable(c: Comparison): string {
  const rows: string[] = []
  const add = (label: string, path: string, m: Record<string, MetricComparison> | undefined) => {
    if (!m) return
    for (const [metric, v] of Object.entries(m)) {
      rows.push(
        `<tr><th>${escapeHtml(label)}</th><td class="text">${escapeHtml(metric)}</td>${cell(`${path}.${metric}.a`, v.a)}${cell(`${path}.${metric}.b`, v.b)}${cell(`${path}.${metric}.diff`, v.diff, v.diff_ci)}${cell(`${path}.${metric}.b_better`, v.b_better)}${cell(`${path}.${metric}.p_value`, v.p_value)}</tr>`,
      )
    }
  }
  for (const [name, m] of Object.entries(c.attributes ?? {})) add(name, `attributes.${name}`, m)
  add('reward (merged)', 'reward', c.reward)
  add('pairs', 'pairs', c.pairs)
  return `<table class="metrics">${head(['', 'metric', `A: ${c.a}`, `B: ${c.b}`, 'B − A', 'B better (share)', 'p (B not better)'])}<tbody>${rows.join('')}</tbody></table><p class="note">Paired bootstrap over the same ${c.resamples} resamples (seed ${c.seed}); "B better" is the share of resamples where B's metric is better, ties half.</p>`
}
