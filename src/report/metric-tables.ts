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

/**
 * B against A: one row per column, one cell per metric holding B − A with its interval and the
 * paired-bootstrap p (share of resamples where B is not better). Green cells: B better at p < 0.05;
 * red: A better at p > 0.95.
 */
export function comparisonTable(c: Comparison): string {
  const diffCell = (path: string, v: MetricComparison) => {
    const sig = v.p_value < 0.05 ? ' class="better"' : v.p_value > 0.95 ? ' class="worse"' : ''
    const p = v.p_value === 0 ? `&lt;${(1 / c.resamples).toPrecision(2)}` : fmt(v.p_value, 3)
    return cell(`${path}.diff`, v.diff, v.diff_ci)
      .replace('<td', `<td${sig}`)
      .replace('</td>', `<br><span class="ci">p ${p}</span></td>`)
  }
  const rows: string[] = []
  const columns: [string, string, Record<string, MetricComparison> | undefined][] = [
    ...Object.entries(c.attributes ?? {}).map(
      ([n, m]) => [n, `attributes.${n}`, m] as [string, string, Record<string, MetricComparison>],
    ),
    ['reward (merged)', 'reward', c.reward],
  ]
  for (const [label, path, m] of columns) {
    if (!m) continue
    rows.push(
      `<tr><th>${escapeHtml(label)}</th>${RATING_METRIC_NAMES.map((k) => diffCell(`${path}.${k}`, m[k])).join('')}</tr>`,
    )
  }
  const ratings = rows.length
    ? `<table class="metrics">${head(['B − A', ...RATING_METRIC_NAMES])}<tbody>${rows.join('')}</tbody></table>`
    : ''
  const pairs = c.pairs
    ? `<table class="metrics">${head(['B − A', ...Object.keys(c.pairs).map((k) => `pairs ${k}`)])}<tbody><tr><th>preference pairs</th>${Object.entries(
        c.pairs,
      )
        .map(([k, v]) => diffCell(`pairs.${k}`, v as MetricComparison))
        .join('')}</tr></tbody></table>`
    : ''
  return `${ratings}${pairs}<p class="note">B = ${escapeHtml(c.b)}, A = ${escapeHtml(c.a)}. Each cell: B − A, its ${Math.round(c.level * 100)}% interval, and p = share of ${c.resamples} paired bootstrap resamples (seed ${c.seed}) where B is not better (lower is better for mse, rmse, mae; higher for the rest). Green: B better at p &lt; 0.05; red: A better.</p>`
}

/**
 * Several models side by side on the headline numbers; data-key paths are from the root of the
 * several-model --json object ({models: [...]}).
 */
export function sideBySideTable(
  models: { model: string; reward?: RatingReport['reward']; pairs?: PairReport }[],
): string {
  const ratingKeys = ['l_rating', 'pearson', 'spearman', 'kendall', 'pairwise_accuracy'] as const
  const hasRatings = models.some((m) => m.reward)
  const hasPairs = models.some((m) => m.pairs)
  const hasScore = models.some((m) => m.pairs?.score !== undefined)
  const header = [
    'model',
    ...(hasRatings ? ratingKeys.map((k) => `reward ${k}`) : []),
    ...(hasPairs ? ['pairs accuracy'] : []),
    ...(hasScore ? ['pairs score'] : []),
  ]
  const rows = models.map((m, i) => {
    const cells: string[] = []
    if (hasRatings)
      for (const k of ratingKeys) cells.push(cell(`models.${i}.reward.${k}`, m.reward?.[k], m.reward?.ci?.[k]))
    if (hasPairs) cells.push(cell(`models.${i}.pairs.accuracy`, m.pairs?.accuracy, m.pairs?.ci?.accuracy))
    if (hasScore) cells.push(cell(`models.${i}.pairs.score`, m.pairs?.score, m.pairs?.ci?.score))
    return `<tr><th>${escapeHtml(m.model)}</th>${cells.join('')}</tr>`
  })
  return `<table class="metrics">${head(header)}<tbody>${rows.join('')}</tbody></table>`
}
