/**
 * `npm run bench:uncertainty`: what the predictive std costs and whether its intervals hold, on real
 * ratings, with the default backbone (hashing, 4096) and head (ridge, α and σ from validation):
 *
 *   hanna   ../shared/data/hanna, split by prompt_id (val 15%, test 20%, seed 1)
 *   mlqe    ../shared/data/mlqe-pe-en-de train / dev / test (--quote none), target `mean` (0-100)
 *
 * For each: the test split's coverage of the 50/80/90/95% intervals, mean width and
 * Spearman(|error|, std) per attribute and for the reward; then the cost: RewardModel.score on
 * 1,024 rows (featurizing included) with std against without it, best of 5 each, in the same run
 * (the "peer" here is the same model without uncertainty). Rows go to bench/out/uncertainty.json.
 *
 * @example
 *   npm run bench:uncertainty
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

interface Job {
  name: string
  options: Parameters<typeof trainRewardModel>[0]
  pairs: TextPair[]
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
    },
  ]
  return all.filter((j) => ONLY.split(',').includes(j.name))
}

const rows: unknown[] = []
console.log(`bench:uncertainty: load average ${loadavg()[0].toFixed(1)}`)
const dir = mkdtempSync(join(tmpdir(), 'rewardfit-bench-unc-'))
try {
  for (const job of existsSync(SHARED) ? jobs(dir) : []) {
    const t0 = performance.now()
    const { model, metrics } = await trainRewardModel({ ...job.options, cacheDir: join(dir, 'cache') })
    const trainSeconds = (performance.now() - t0) / 1000
    const intervals = metrics.test?.intervals ?? {}
    console.log(`\n${job.name}: trained in ${trainSeconds.toFixed(1)} s; test split, ${metrics.test?.reward.n} rows`)
    console.log('  column        50%    80%    90%    95%   width95  mean std  spearman(|err|, std)')
    for (const [name, iv] of Object.entries(intervals)) {
      console.log(
        `  ${name.padEnd(12)} ${iv.levels.map((l) => l.coverage.toFixed(3)).join('  ')}  ${iv.levels[3].width.toFixed(3).padStart(7)}  ${iv.mean_std.toFixed(3).padStart(8)}  ${iv.spearman_error_std.toFixed(3)}`,
      )
    }
    const pairs = job.pairs.slice(0, 1024)
    await model.score(pairs.slice(0, 64))
    let without = Number.POSITIVE_INFINITY
    let withStd = Number.POSITIVE_INFINITY
    for (let rep = 0; rep < 5; rep++) {
      let t = performance.now()
      await model.score(pairs, 64, { std: false })
      without = Math.min(without, performance.now() - t)
      t = performance.now()
      await model.score(pairs, 64)
      withStd = Math.min(withStd, performance.now() - t)
    }
    const spec = model.uncertainty?.spec.type === 'ridge' ? model.uncertainty.spec : undefined
    console.log(
      `  cost: score ${pairs.length} rows without std ${without.toFixed(0)} ms, with std ${withStd.toFixed(0)} ms, ratio ${(withStd / without).toFixed(2)} (eigen width ${spec?.groups[0].width}, exact ${spec?.groups[0].exact}); load average ${loadavg()[0].toFixed(1)}`,
    )
    rows.push({
      dataset: job.name,
      trainSeconds,
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
