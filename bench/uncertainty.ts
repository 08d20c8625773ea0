/**
 * `npm run bench:uncertainty`: what the predictive std costs and whether its intervals hold, on real
 * ratings, with the default backbone (hashing, 4096) and head (ridge, α and σ from validation):
 *
 *   hanna   ../shared/data/hanna, split by prompt_id (val 15%, test 20%, seed 1)
 *   mlqe    ../shared/data/mlqe-pe-en-de train / dev / test (--quote none), target `mean` (0-100)
 *
 * For each: the test split's coverage of the 50/80/90/95% intervals, mean width and
 * Spearman(|error|, std) per attribute and for the reward; the std fit's cost (training with
 * uncertainty against `uncertainty: false` on the same cached features); then the scoring cost:
 * RewardModel.score (featurizing included) with std against without it, interleaved, the order
 * alternating, best of REPS each, in the same run (the "peer" here is the same model without
 * uncertainty). MLQE's sentences are short, so its timing scores the test pairs repeated to 8,192
 * rows (HANNA: 1,024 stories), or a single pass is too short to time under load.
 * Rows go to bench/out/uncertainty.json.
 *
 * Environment: BENCH_UNCERTAINTY_DATA=hanna,mlqe (which), BENCH_UNCERTAINTY_DIM (hashing dim,
 * default 4096; 256 for a smoke run), BENCH_UNCERTAINTY_RANK=N (the eigen form's width), BENCH_UNCERTAINTY_FORM=auto|eigen|dual (the ridge std's
 * form), BENCH_UNCERTAINTY_ROWS (rows scored, default per dataset), BENCH_UNCERTAINTY_REPS (7).
 *
 * @example
 *   npm run bench:uncertainty
 *   BENCH_UNCERTAINTY_DATA=mlqe BENCH_UNCERTAINTY_DIM=256 npm run bench:uncertainty   # smoke
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TextPair } from '../src/core/text-pair.ts'
import { trainRewardModel } from '../src/pipeline/train-reward-model.ts'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const SHARED =
  process.env.BENCH_SHARED_DATA ??
  [join(ROOT, '..', 'shared', 'data'), join(ROOT, '..', '..', 'shared', 'data')].find(existsSync) ??
  join(ROOT, '..', 'shared', 'data')
const ONLY = process.env.BENCH_UNCERTAINTY_DATA ?? 'hanna,mlqe'
const DIM = Number(process.env.BENCH_UNCERTAINTY_DIM ?? 4096)
const FORM = (process.env.BENCH_UNCERTAINTY_FORM ?? 'auto') as 'auto' | 'eigen' | 'dual'
/** The eigen form's width (the fit's `rank`); unset: the library default. */
const RANK = process.env.BENCH_UNCERTAINTY_RANK ? Number(process.env.BENCH_UNCERTAINTY_RANK) : undefined
const REPS = Number(process.env.BENCH_UNCERTAINTY_REPS ?? 7)

interface Job {
  name: string
  options: Parameters<typeof trainRewardModel>[0]
  pairs: TextPair[]
  /** Rows scored for the timing (the pairs repeated as needed). */
  scoreRows: number
}

function jobs(out: string): Job[] {
  const hannaFile = join(SHARED, 'hanna', 'hanna.jsonl')
  const mlqe = (f: string) => join(SHARED, 'mlqe-pe-en-de', f)
  const all: Job[] = [
    {
      name: 'hanna',
      options: {
        data: hannaFile,
        out: join(out, 'hanna'),
        dataOptions: {
          promptColumn: 'prompt',
          responseColumn: 'story',
          targetColumns: ['relevance', 'coherence', 'empathy', 'surprise', 'engagement', 'complexity'],
          groupColumn: 'prompt_id',
        },
        split: { valFraction: 0.15, testFraction: 0.2, seed: 1 },
      },
      pairs: readFileSync(hannaFile, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .map((r) => ({ prompt: r.prompt, response: r.story })),
      scoreRows: 1024,
    },
    {
      name: 'mlqe',
      options: {
        data: mlqe('train.tsv'),
        val: mlqe('dev.tsv'),
        test: mlqe('test.tsv'),
        out: join(out, 'mlqe'),
        dataOptions: {
          promptColumn: 'original',
          responseColumn: 'translation',
          targetColumns: ['mean'],
          quote: 'none',
        },
      },
      pairs: readFileSync(mlqe('test.tsv'), 'utf8')
        .split('\n')
        .slice(1)
        .filter((l) => l.trim() !== '')
        .map((l) => l.split('\t'))
        .map((c) => ({ prompt: c[1], response: c[2] })),
      scoreRows: 8192,
    },
  ]
  return all.filter((j) => ONLY.split(',').includes(j.name))
}

const rows: unknown[] = []
console.log(`bench:uncertainty: load average ${loadavg()[0].toFixed(1)}`)
const dir = mkdtempSync(join(tmpdir(), 'rewardfit-bench-unc-'))
try {
  for (const job of existsSync(SHARED) ? jobs(dir) : []) {
    const common = {
      ...job.options,
      backboneOptions: { dim: DIM },
      cacheDir: join(dir, 'cache'),
      uncertainty: { form: FORM, ...(RANK ? { rank: RANK } : {}) },
    }
    // Features first (cached), so the two timed fits below differ only by the std fit.
    await trainRewardModel({ ...common, out: `${job.options.out}-warm`, uncertainty: false })
    let t0 = performance.now()
    await trainRewardModel({ ...common, out: `${job.options.out}-plain`, uncertainty: false })
    const plainSeconds = (performance.now() - t0) / 1000
    t0 = performance.now()
    const { model, metrics } = await trainRewardModel(common)
    const trainSeconds = (performance.now() - t0) / 1000
    const intervals = metrics.test?.intervals ?? {}
    console.log(
      `\n${job.name} (hashing ${DIM}, std form ${FORM}): trained in ${trainSeconds.toFixed(1)} s with the std, ${plainSeconds.toFixed(1)} s without (std fit ~${(trainSeconds - plainSeconds).toFixed(1)} s); test split, ${metrics.test?.reward.n} rows`,
    )
    console.log('  column        50%    80%    90%    95%   width95  mean std  spearman(|err|, std)')
    for (const [name, iv] of Object.entries(intervals)) {
      console.log(
        `  ${name.padEnd(12)} ${iv.levels.map((l) => l.coverage.toFixed(3)).join('  ')}  ${iv.levels[3].width.toFixed(3).padStart(7)}  ${iv.mean_std.toFixed(3).padStart(8)}  ${iv.spearman_error_std.toFixed(3)}`,
      )
    }
    const rowsScored = Number(process.env.BENCH_UNCERTAINTY_ROWS ?? job.scoreRows)
    const pairs = Array.from({ length: rowsScored }, (_, i) => job.pairs[i % job.pairs.length])
    await model.score(pairs.slice(0, 64))
    await model.score(pairs.slice(0, 64), 64, { std: false })
    let without = Number.POSITIVE_INFINITY
    let withStd = Number.POSITIVE_INFINITY
    const time = async (std: boolean) => {
      const t = performance.now()
      await model.score(pairs, 64, { std })
      return performance.now() - t
    }
    for (let rep = 0; rep < REPS; rep++) {
      // Alternate which goes first, so a load spike does not always land on the same side.
      if (rep % 2 === 0) {
        without = Math.min(without, await time(false))
        withStd = Math.min(withStd, await time(true))
      } else {
        withStd = Math.min(withStd, await time(true))
        without = Math.min(without, await time(false))
      }
    }
    const spec = model.uncertainty?.spec.type === 'ridge' ? model.uncertainty.spec : undefined
    console.log(
      `  cost: score ${pairs.length} rows without std ${without.toFixed(0)} ms, with std ${withStd.toFixed(0)} ms, ratio ${(withStd / without).toFixed(2)} (best of ${REPS}; ${spec?.groups.length} pattern(s), form ${spec?.groups[0].form ?? 'eigen'}, width ${spec?.groups[0].width}, exact ${spec?.groups[0].exact}); load average ${loadavg()[0].toFixed(1)}`,
    )
    rows.push({
      dataset: job.name,
      dim: DIM,
      form: FORM,
      trainSeconds,
      trainSecondsWithoutStd: plainSeconds,
      testIntervals: intervals,
      sigma: spec?.attributes.map((a) => ({ sigma: a.sigma, sigmaTrain: a.sigmaTrain, alpha: a.alpha, df: a.df })),
      groups: spec?.groups,
      scoreRows: pairs.length,
      msWithoutStd: without,
      msWithStd: withStd,
      ratio: withStd / without,
      loadAverage: loadavg(),
    })
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
console.log(`\nload average ${loadavg()[0].toFixed(1)}: timings on a shared 2-core machine are noisy`)
mkdirSync(join(ROOT, 'bench', 'out'), { recursive: true })
writeFileSync(join(ROOT, 'bench', 'out', 'uncertainty.json'), `${JSON.stringify({ rows }, null, 2)}\n`)
