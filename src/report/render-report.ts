/**
 * The HTML report of an eval run: one self-contained file (inline CSS and SVG, no scripts, no
 * network) with the metric tables rendered from the `--json` object, the charts, training curves,
 * preference accuracy per subset, model comparisons and the worst-predicted examples. The `--json`
 * object is embedded too (<script type="application/json" id="eval-json">) so the report carries
 * its numbers in machine-readable form.
 *
 * @example
 *   const html = renderReport(run, { logs: [await readTrainingLog('models/demo')], sources: { data: 'test.jsonl' } })
 *   await writeReport('report.html', html)
 */
import { rename, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { type EvalRun, evalJson } from '../eval/evaluate.ts'
import { removeStaleTemps } from '../stale-temps.ts'
import { escapeHtml } from './escape.ts'
import { comparisonTable, pairTable, ratingTable, sideBySideTable, spreadTable } from './metric-tables.ts'
import { pairChart, ratingCharts, trainingChart, worstExamples, wrongPairs } from './model-sections.ts'
import { REPORT_CSS } from './report-style.ts'
import type { EpochPoint } from './training-log.ts'

export interface ReportContext {
  /** Training log per model, in run.models order (null = none). */
  logs: (EpochPoint[] | null)[]
  /** The input files, shown in the header. */
  sources?: { data?: string; pairs?: string }
  title?: string
  /** Shown in the header; pass it in so the same run renders the same bytes. */
  generatedAt?: string
}

/** JSON inside <script> must not contain "</script" or "<!--": escape every '<'. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c')

export function renderReport(run: EvalRun, ctx: ReportContext): string {
  const json = evalJson(run)
  const multi = run.models.length > 1
  const body: string[] = []
  const title = ctx.title ?? `rewardfit eval: ${run.models.map((m) => m.label).join(' vs ')}`
  const src = [
    ctx.sources?.data ? `ratings: <code>${escapeHtml(ctx.sources.data)}</code>` : '',
    ctx.sources?.pairs ? `pairs: <code>${escapeHtml(ctx.sources.pairs)}</code>` : '',
    ctx.generatedAt ? `generated ${escapeHtml(ctx.generatedAt)}` : '',
  ].filter(Boolean)
  body.push(`<header><h1>${escapeHtml(title)}</h1><p class="muted">${src.join(' · ')}</p></header>`)

  if (multi) {
    const models = (json as { models: Parameters<typeof sideBySideTable>[0] }).models
    body.push(`<section class="side-by-side"><h2>Side by side</h2>${sideBySideTable(models)}</section>`)
  }
  for (const c of run.comparisons) {
    body.push(
      `<section class="comparison"><h2>Comparison: ${escapeHtml(c.b)} (B) against ${escapeHtml(c.a)} (A)</h2>${comparisonTable(c)}</section>`,
    )
  }
  run.models.forEach((m, i) => {
    body.push(`<section class="model"><h2>${multi ? `Model ${i + 1}: ` : 'Model: '}${escapeHtml(m.label)}</h2>`)
    if (m.ratings) {
      const { report, predictions } = m.ratings
      body.push(
        `<h3>Rating metrics (${report.n} rows)</h3>`,
        ratingTable(report),
        spreadTable(report),
        '<h3>Predictions against ratings</h3>',
        ratingCharts(predictions, report),
      )
    }
    body.push('<h3>Training curves</h3>', trainingChart(ctx.logs[i] ?? null))
    if (m.pairs)
      body.push(`<h3>Preference pairs (${m.pairs.report.n})</h3>`, pairTable(m.pairs.report), pairChart(m.pairs.report))
    if (m.ratings?.predictions.worst.length) {
      body.push(
        '<h3>Worst-predicted examples</h3>',
        '<p class="note">Largest mean squared error over the row\'s labelled attributes.</p>',
        worstExamples(m.ratings.predictions),
      )
    }
    if (m.pairs?.scored.worst.length) body.push('<h3>Most wrongly ranked pairs</h3>', wrongPairs(m.pairs.scored))
    body.push('</section>')
  })
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title><style>${REPORT_CSS}</style></head>
<body>${body.join('\n')}
<script type="application/json" id="eval-json">${scriptJson(json)}</script>
</body></html>
`
}

/** Writes the report atomically: a temporary file in the same folder, then a rename. */
export async function writeReport(file: string, html: string): Promise<void> {
  const esc = basename(file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  await removeStaleTemps(dirname(file), [new RegExp(`^\\.${esc}\\.(\\d+)\\.tmp$`)])
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`)
  await writeFile(tmp, html)
  await rename(tmp, file)
}
