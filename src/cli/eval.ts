/**
 * `rewardfit eval`: metrics of one or more models on rating data (--data) and/or preference pairs
 * (--pairs), with bootstrap intervals, a paired comparison when several models are given, `--json`
 * for machines and `--report out.html` for people. A thin shell over src/eval and src/report.
 *
 * @example
 *   rewardfit eval --model models/demo --data test.jsonl
 *   rewardfit eval --model A --model B --data test.jsonl --pairs hh.jsonl --json
 *   rewardfit eval --model models/rm --pairs rewardbench.parquet --sections rewardbench --report rb.html
 */
import type { Command } from 'commander'
import { withModelMapping } from '../data/mapping.ts'
import { readRatings } from '../data/read-ratings.ts'
import type { ScaleSpec } from '../data/scale.ts'
import { OptionError, RewardfitError } from '../errors.ts'
import { escapeControl } from '../escape-control.ts'
import type { Comparison } from '../eval/compare.ts'
import { type EvalRun, evalJson, evaluateModels, type ModelEvaluation } from '../eval/evaluate.ts'
import { EVAL_DEFAULTS, type EvalOptions, resolveEvalOptions } from '../eval/options.ts'
import { readPreferencePairs } from '../eval/read-pairs.ts'
import { RATING_METRIC_NAMES, type RatingReport } from '../eval/summarize-ratings.ts'
import { hubOptionsFromEnv } from '../hub/index.ts'
import { loadRewardModel } from '../model/load-model.ts'
import type { RewardModel } from '../model/reward-model.ts'
import { localDataFiles } from '../pipeline/data-files.ts'
import { renderReport, writeReport } from '../report/render-report.ts'
import { readTrainingLog } from '../report/training-log.ts'
import { modelLoadOptions } from './env.ts'
import { warnOnStderr } from './errors.ts'
import { table } from './format.ts'

interface EvalFlags {
  model?: string[]
  data?: string
  pairs?: string
  json?: boolean
  report?: string
  targets?: string
  prompt?: string
  response?: string
  messages?: string
  scale?: string
  format?: string
  quote?: string
  chosen?: string
  rejected?: string
  subset?: string
  skipInvalid?: boolean
  bootstrap?: string
  seed?: string
  level?: string
  bins?: string
  worst?: string
  batchSize?: string
  sections?: string
  offline?: boolean
  cacheDir?: string
}

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v]

const HELP = `
Examples:
  $ rewardfit eval --model models/demo --data test.jsonl
  $ rewardfit eval --model models/demo --data test.csv --targets help,verb --json
  $ rewardfit eval --model A --model B --data test.jsonl            # side by side + paired bootstrap (B vs A)
  $ rewardfit eval --model models/demo --pairs hh.jsonl --report report.html
  $ rewardfit eval --model models/rm --pairs rb.parquet --sections rewardbench
  $ rewardfit eval --model models/rm --pairs p.jsonl --sections 'chat=alpacaeval-easy,mt-bench-easy;safety=donotanswer'

Rating data is read like training data, with the column mapping the model was trained with
(--prompt, --response, --targets, --quote, ... recorded in its config.json); flags given here win.
--targets maps columns onto the attributes in order. The merged reward is scored against
Σ w·rating on rows where every weighted attribute is labelled.
Preference rows: {prompt, chosen, rejected, subset?}; chat message lists for chosen/rejected; or
Anthropic HH transcripts (split at the last shared assistant turn). A tie counts half.
--sections: 'rewardbench', 'name=subset,subset;name=...', or a JSON file {name: [subsets]} or
{name: {subset: weight}}. Section score = subset accuracies weighted by counts; score = mean of sections.
--json prints {"attributes": {...}, "reward": {...}, "pairs": {...}} for one model, or
{"models": [...], "comparisons": [...]} for several.`

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('Evaluate reward models on ratings (--data) and/or preference pairs (--pairs)')
    .option(
      '--model <dir>',
      'model folder; repeat to compare models (each later one, B, against the first, A)',
      collect,
    )
    .option('--data <file>', 'rating data (jsonl, json, csv, tsv, parquet; .gz ok), or hf:ORG/NAME[:split]')
    .option('--pairs <file>', 'preference pairs: {prompt, chosen, rejected, subset?}, chat or Anthropic HH rows')
    .option('--json', 'print one JSON object instead of tables')
    .option('--report <file>', 'write a self-contained HTML report (charts, tables, worst examples)')
    .option(
      '--targets <cols>',
      "rating columns, in the model's attribute order (default: the model's training columns)",
    )
    .option('--prompt <col>', "prompt column, of --data and --pairs (default: the model's, else prompt)")
    .option('--response <col>', "response column (default: the model's, else response)")
    .option('--messages <col>', "chat turns column (default: the model's, else messages)")
    .option('--chosen <col>', 'preferred response column of --pairs (default: chosen)')
    .option('--rejected <col>', 'other response column of --pairs (default: rejected)')
    .option('--subset <col>', 'category column of --pairs (default: subset)')
    .option('--scale <spec>', "rating scale check, e.g. '0:4' or 'a=0:4,b=1:5' (default: the model's scales)")
    .option('--format <fmt>', 'file format when the extension does not tell: jsonl, json, csv, tsv, parquet')
    .option('--quote <mode>', "CSV/TSV quoting: 'auto' (RFC 4180) or 'none' (one row per line)")
    .option('--skip-invalid', 'skip bad rows (counted on stderr) instead of failing')
    .option(
      '--bootstrap <n>',
      `bootstrap resamples for intervals and comparisons; 0 = off (default: ${EVAL_DEFAULTS.bootstrap})`,
    )
    .option('--seed <n>', `seed of the resampling (default: ${EVAL_DEFAULTS.seed})`)
    .option('--level <x>', `interval coverage (default: ${EVAL_DEFAULTS.level})`)
    .option('--bins <n>', `calibration bins (default: ${EVAL_DEFAULTS.bins})`)
    .option('--worst <n>', `worst examples kept for the report (default: ${EVAL_DEFAULTS.worst})`)
    .option('--batch-size <n>', `rows featurized per call (default: ${EVAL_DEFAULTS.batchSize})`)
    .option('--sections <spec>', "RewardBench-style section scores for --pairs: 'rewardbench', inline or a JSON file")
    .option('--offline', 'never download backbone files; use the cache (also REWARDFIT_OFFLINE=1)')
    .option('--cache-dir <dir>', 'where hf: backbones are cached (default: $REWARDFIT_CACHE or ~/.cache/rewardfit)')
    .addHelpText('after', HELP)
    .action(async (flags: EvalFlags) => {
      await runEval(flags)
    })
}

async function runEval(flags: EvalFlags): Promise<void> {
  const dirs = flags.model ?? []
  if (dirs.length === 0)
    throw new OptionError('--model', undefined, 'a model folder (--model DIR); repeat it to compare models')
  if (!flags.data && !flags.pairs)
    throw new OptionError('--data', undefined, 'a rating file (--data F), a preference file (--pairs F), or both')
  // Validate every option before the (slow) model loading, so a typo fails at once.
  const options = resolveEvalOptions(evalOptionsFromFlags(flags))
  const load = modelLoadOptions(flags)
  const offline = load.offline
  const models: { label: string; model: RewardModel }[] = []
  try {
    const hub = { ...hubOptionsFromEnv(process.env), cacheDir: load.cacheDir, offline }
    for (const dir of dirs) {
      models.push({
        label: dir,
        model: await loadRewardModel(dir, load),
      })
    }
    const dataFiles = flags.data ? [await localDataFiles(flags.data, hub)].flat() : []
    const skipped: string[] = []
    const run = await evaluateModels(
      models,
      {
        file: flags.data,
        ratings: flags.data ? (model) => ratingStreams(flags, dataFiles, model, skipped) : undefined,
        pairs: flags.pairs ? () => pairStream(flags, skipped) : undefined,
      },
      options,
    )
    for (const s of skipped) process.stderr.write(`${escapeControl(s)}\n`)
    if (flags.report) {
      const logs = await Promise.all(dirs.map((dir) => readTrainingLog(dir)))
      const html = renderReport(run, {
        logs,
        sources: { data: flags.data, pairs: flags.pairs },
        generatedAt: new Date().toISOString(),
      })
      try {
        await writeReport(flags.report, html)
      } catch (err) {
        throw new RewardfitError(
          `cannot write the report to ${flags.report} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check that its folder exists and is writable`,
          { cause: err },
        )
      }
      process.stderr.write(`wrote ${flags.report}\n`)
    }
    process.stdout.write(flags.json ? `${JSON.stringify(evalJson(run), null, 2)}\n` : `${formatRun(run)}\n`)
  } finally {
    for (const { model } of models) await model.featurizer.dispose?.()
  }
}

function evalOptionsFromFlags(f: EvalFlags): EvalOptions {
  const num = (flag: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined
    const n = Number(v)
    if (v.trim() === '' || !Number.isFinite(n)) throw new OptionError(flag, v, 'a number')
    return n
  }
  return {
    bootstrap: num('--bootstrap', f.bootstrap),
    seed: num('--seed', f.seed),
    level: num('--level', f.level),
    bins: num('--bins', f.bins),
    worst: num('--worst', f.worst),
    batchSize: num('--batch-size', f.batchSize),
    sections: f.sections,
  }
}

/** The rows of every file of --data (several for a Hub dataset's shards), in order. */
function ratingStreams(f: EvalFlags, files: string[], model: RewardModel, skipped: string[]) {
  return {
    async *[Symbol.asyncIterator]() {
      for (const file of files) yield* ratingStream(f, file, model, skipped)
    },
  }
}

function ratingStream(f: EvalFlags, file: string, model: RewardModel, skipped: string[]) {
  const attributes = model.attributes
  const targets = f.targets
    ? f.targets
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : (model.config.data?.targetColumns ?? attributes)
  if (targets.length !== attributes.length) {
    throw new OptionError(
      '--targets',
      f.targets,
      `${attributes.length} column(s), one per model attribute in order: ${attributes.join(', ')}`,
    )
  }
  // The model's own scales, keyed by the file's column names, unless --scale overrides them.
  const modelScale: ScaleSpec = { all: null, byAttribute: Object.create(null) }
  model.config.scales.forEach((s, a) => {
    if (s) modelScale.byAttribute[targets[a]] = s
  })
  // The model's recorded column mapping (config.json "data") fills in every flag not given.
  const given = {
    promptColumn: f.prompt,
    responseColumn: f.response,
    messagesColumn: f.messages,
    format: f.format as never,
    quote: f.quote as never,
    skipInvalid: f.skipInvalid,
    onWarning: warnOnStderr,
  }
  const stream = readRatings(file, {
    ...withModelMapping(model.config.data, given, file),
    groupColumn: null,
    targetColumns: targets,
    scale: f.scale ?? (Object.keys(modelScale.byAttribute).length ? modelScale : null),
  })
  return {
    async *[Symbol.asyncIterator]() {
      yield* stream
      if (stream.summary.skipped > 0) {
        skipped.push(
          `skipped ${stream.summary.skipped} invalid row(s) of ${file}: ${Object.entries(stream.summary.skippedByReason)
            .map(([r, n]) => `${r} ${n}`)
            .join(', ')}; e.g. ${stream.summary.skipExamples[0]}`,
        )
      }
    },
  }
}

function pairStream(f: EvalFlags, skipped: string[]) {
  const columns = { prompt: f.prompt, chosen: f.chosen, rejected: f.rejected, subset: f.subset }
  const stream = readPreferencePairs(f.pairs as string, {
    columns: Object.fromEntries(Object.entries(columns).filter(([, v]) => v !== undefined)),
    skipInvalid: f.skipInvalid,
    format: f.format as never,
  })
  return {
    async *[Symbol.asyncIterator]() {
      yield* stream
      if (stream.summary.skipped > 0) {
        skipped.push(
          `skipped ${stream.summary.skipped} invalid pair(s) of ${f.pairs}; e.g. ${stream.summary.skipExamples[0]}`,
        )
      }
    },
  }
}

// ---- terminal output -------------------------------------------------------------------------

const ci = (iv: [number, number] | undefined) => (iv ? `[${iv[0].toFixed(3)}, ${iv[1].toFixed(3)}]` : '')

function ratingTables(r: RatingReport): string {
  const columns = [...Object.entries(r.attributes), ['reward', r.reward] as const]
  const metrics = table(
    ['', ...RATING_METRIC_NAMES, 'n'],
    columns.map(([name, c]) => [name, ...RATING_METRIC_NAMES.map((m) => c[m]), c.n]),
  )
  const parts = [`rating metrics (${r.n} rows; L_rating = -MSE, higher is better)`, metrics]
  if (r.bootstrap) {
    const shown = ['l_rating', 'pearson', 'spearman', 'kendall', 'pairwise_accuracy'] as const
    parts.push(
      '',
      `${Math.round(r.bootstrap.level * 100)}% bootstrap intervals (${r.bootstrap.resamples} resamples, seed ${r.bootstrap.seed})`,
      table(
        ['', ...shown],
        columns.map(([name, c]) => [name, ...shown.map((m) => ci(c.ci?.[m]))]),
      ),
    )
  }
  parts.push(
    '',
    table(
      ['', 'calibration error', 'out of scale', 'pred mean', 'pred std', 'pred min', 'pred max'],
      columns.map(([name, c]) => [
        name,
        c.calibration.error,
        'out_of_scale' in c ? (c.out_of_scale ?? 'n/a') : '',
        c.prediction_spread.mean,
        c.prediction_spread.std,
        c.prediction_spread.min,
        c.prediction_spread.max,
      ]),
    ),
  )
  const withIntervals = columns.filter(([, c]) => c.intervals)
  if (withIntervals.length > 0) {
    const levels = withIntervals[0][1].intervals?.levels ?? []
    parts.push(
      '',
      'predictive intervals: coverage of ŷ ± z·std (nominal in the header), mean width, Spearman(|error|, std)',
      table(
        [
          '',
          ...levels.map((l) => `${Math.round(l.level * 100)}%`),
          ...levels.map((l) => `width ${Math.round(l.level * 100)}%`),
          'mean std',
          'spearman |err|~std',
        ],
        withIntervals.map(([name, c]) => {
          const iv = c.intervals as NonNullable<typeof c.intervals>
          return [
            name,
            ...iv.levels.map((l) => l.coverage),
            ...iv.levels.map((l) => l.width),
            iv.mean_std,
            iv.spearman_error_std,
          ]
        }),
      ),
    )
  }
  return parts.join('\n')
}

function pairTables(m: NonNullable<ModelEvaluation['pairs']>): string {
  const p = m.report
  const rows: unknown[][] = [['all pairs', p.accuracy, ci(p.ci?.accuracy), p.mean_margin, p.ties, p.n]]
  for (const [name, s] of Object.entries(p.subsets))
    rows.push([name, s.accuracy, ci(s.ci?.accuracy), s.mean_margin, s.ties, s.n])
  const parts = [
    'preference pairs (a tie counts half)',
    table(['', 'accuracy', 'interval', 'mean margin', 'ties', 'n'], rows),
  ]
  if (p.sections) {
    const srows: unknown[][] = Object.entries(p.sections).map(([name, s]) => [
      name,
      s.score,
      s.n,
      s.missing.join(',') || '-',
    ])
    srows.push(['score (mean of sections)', p.score, '', ''])
    parts.push('', table(['section', 'score', 'n', 'missing subsets'], srows))
  }
  return parts.join('\n')
}

function comparisonTable(c: Comparison): string {
  const rows: unknown[][] = []
  // B won every resample: the resolution of the test is 1/B, not 0.
  const p = (v: number) => (v === 0 ? `<${(1 / c.resamples).toPrecision(2)}` : v)
  const shown = ['l_rating', 'pearson', 'spearman', 'pairwise_accuracy'] as const
  const add = (col: string, m: Comparison['reward']) => {
    if (!m) return
    for (const k of shown)
      rows.push([col, k, m[k].a, m[k].b, m[k].diff, ci(m[k].diff_ci), m[k].b_better, p(m[k].p_value)])
  }
  for (const [name, m] of Object.entries(c.attributes ?? {})) add(name, m)
  add('reward', c.reward)
  for (const [k, a] of Object.entries(c.pairs ?? {})) {
    rows.push(['pairs', k, a.a, a.b, a.diff, ci(a.diff_ci), a.b_better, p(a.p_value)])
  }
  return [
    `B = ${c.b} against A = ${c.a} (paired bootstrap, ${c.resamples} resamples; p = share of resamples where B is not better)`,
    table(['', 'metric', 'A', 'B', 'B - A', 'interval', 'B better', 'p'], rows),
  ].join('\n')
}

export function formatRun(run: EvalRun): string {
  const out: string[] = []
  for (const m of run.models) {
    if (run.models.length > 1) out.push(`== ${m.label} ==`)
    if (m.ratings) out.push(ratingTables(m.ratings.report), '')
    if (m.pairs) out.push(pairTables(m.pairs), '')
  }
  for (const c of run.comparisons) out.push(comparisonTable(c), '')
  return out.join('\n').trimEnd()
}
