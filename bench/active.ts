/**
 * `npm run bench:active`: does choosing what to rate next beat rating at random? A simulated
 * active-learning loop on real ratings, with the held-out labels hidden until a row is picked:
 *
 *   hanna   ../shared/data/hanna (6 attributes, merged reward = their mean), split by prompt_id per
 *           seed: 20% of prompts test, 10% validation, the rest the pool
 *   mlqe    ../shared/data/mlqe-pe-en-de (--quote none, x = original, y = translation, s = mean):
 *           train.tsv the pool, dev.tsv validation, test.tsv test
 *
 * Each run starts from a seeded 10% of the pool, then for ROUNDS rounds: fit ridge (α on validation),
 * fit its uncertainty (σ recalibrated on validation), record test Pearson of the merged reward, pick
 * a batch (10% of the pool) by the strategy and add it. Strategies: greedy, variance and random (the
 * baseline, the "peer" of this benchmark), each over SEEDS seeds (same start and splits for all
 * three). Prints the mean learning curves, the area under each (mean Pearson over the rounds) and
 * its ratio to random's; rows go to bench/out/active.json.
 *
 * Features: the hashing backbone at BENCH_ACTIVE_DIM (default 1024, not 4096: 2 x 3 x 5 x 6 fits
 * with their uncertainty have to run in minutes on a shared machine).
 *
 * @example
 *   npm run bench:active
 *   BENCH_ACTIVE_SEEDS=2 BENCH_ACTIVE_DATA=hanna npm run bench:active
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Rng } from '../src/compute/rng.ts'
import { matrixSource } from '../src/core/batch-source.ts'
import { pearson } from '../src/eval/metrics.ts'
import { createFeaturizer } from '../src/featurize/registry.ts'
import { accumulateRidge, fitRidge } from '../src/fit/ridge.ts'
import { fitRidgeUncertainty } from '../src/model/fit-ridge-uncertainty.ts'
import { type SelectStrategy, selectRows } from '../src/model/select-rows.ts'

const DIM = Number(process.env.BENCH_ACTIVE_DIM ?? 1024)
const SEEDS = Number(process.env.BENCH_ACTIVE_SEEDS ?? 5)
const ROUNDS = Number(process.env.BENCH_ACTIVE_ROUNDS ?? 6)
const ONLY = process.env.BENCH_ACTIVE_DATA ?? 'hanna,mlqe'
const STRATEGIES: SelectStrategy[] = ['greedy', 'variance', 'random']
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const SHARED =
  process.env.BENCH_SHARED_DATA ??
  [join(ROOT, '..', 'shared', 'data'), join(ROOT, '..', '..', 'shared', 'data')].find(existsSync) ??
  join(ROOT, '..', 'shared', 'data')

interface Row {
  prompt: string
  response: string
  y: number[]
  group: string
}

interface Dataset {
  name: string
  k: number
  rows: Row[]
  /** Per seed: pool, validation and test row indices. */
  split: (seed: number) => { pool: number[]; val: number[]; test: number[] }
}

function hanna(): Dataset {
  const attrs = ['relevance', 'coherence', 'empathy', 'surprise', 'engagement', 'complexity']
  const rows = readFileSync(join(SHARED, 'hanna', 'hanna.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .map((r) => ({
      prompt: r.prompt,
      response: r.story,
      y: attrs.map((a) => Number(r[a])),
      group: String(r.prompt_id),
    }))
  const groups = [...new Set(rows.map((r) => r.group))]
  return {
    name: 'hanna',
    k: attrs.length,
    rows,
    split(seed) {
      const order = new Rng(1000 + seed).permutation(groups.length)
      const nTest = Math.round(groups.length * 0.2)
      const nVal = Math.round(groups.length * 0.1)
      const side = new Map<string, 'test' | 'val' | 'pool'>()
      order.forEach((g, i) => {
        side.set(groups[g], i < nTest ? 'test' : i < nTest + nVal ? 'val' : 'pool')
      })
      const of = (s: string) => rows.flatMap((r, i) => (side.get(r.group) === s ? [i] : []))
      return { pool: of('pool'), val: of('val'), test: of('test') }
    },
  }
}

function mlqe(): Dataset {
  const read = (f: string, tag: string) =>
    readFileSync(join(SHARED, 'mlqe-pe-en-de', f), 'utf8')
      .split('\n')
      .slice(1)
      .filter((l) => l.trim() !== '')
      .map((l) => {
        const c = l.split('\t')
        return { prompt: c[1], response: c[2], y: [Number(c[4])], group: tag }
      })
  const rows = [...read('train.tsv', 'train'), ...read('dev.tsv', 'dev'), ...read('test.tsv', 'test')]
  const of = (tag: string) => rows.flatMap((r, i) => (r.group === tag ? [i] : []))
  return { name: 'mlqe', k: 1, rows, split: () => ({ pool: of('train'), val: of('dev'), test: of('test') }) }
}

function gather(x: Float32Array, y: Float32Array, idx: number[], k: number) {
  const gx = new Float32Array(idx.length * DIM)
  const gy = new Float32Array(idx.length * k)
  idx.forEach((r, i) => {
    gx.set(x.subarray(r * DIM, r * DIM + DIM), i * DIM)
    gy.set(y.subarray(r * k, r * k + k), i * k)
  })
  return { x: { rows: idx.length, cols: DIM, data: gx }, y: gy }
}

async function run(ds: Dataset) {
  const f = await createFeaturizer({ type: 'hashing', dim: DIM })
  const x = new Float32Array(ds.rows.length * DIM)
  for (let s = 0; s < ds.rows.length; s += 512) {
    x.set(await f.featurize(ds.rows.slice(s, s + 512)), s * DIM)
  }
  const y = Float32Array.from(ds.rows.flatMap((r) => r.y))
  const k = ds.k
  const weights = new Array(k).fill(1 / k)
  const curves: Record<string, number[][]> = Object.fromEntries(STRATEGIES.map((s) => [s, []]))
  const seconds: Record<string, number> = Object.fromEntries(STRATEGIES.map((s) => [s, 0]))
  let labelled = 0
  for (let seed = 0; seed < SEEDS; seed++) {
    const { pool, val, test } = ds.split(seed)
    const start = Math.round(pool.length * 0.1)
    const batch = Math.round(pool.length * 0.1)
    const first = new Rng(seed).permutation(pool.length)
    const v = gather(x, y, val, k)
    const valAcc = await accumulateRidge(matrixSource(v.x, v.y, k))
    const t = gather(x, y, test, k)
    const target = Array.from({ length: test.length }, (_, i) => weights.reduce((s, w, a) => s + w * t.y[i * k + a], 0))
    for (const strategy of STRATEGIES) {
      const t0 = performance.now()
      let chosen = Array.from(first.subarray(0, start), (i) => pool[i])
      const curve: number[] = []
      for (let round = 0; round < ROUNDS; round++) {
        const tr = gather(x, y, chosen, k)
        const acc = await accumulateRidge(matrixSource(tr.x, tr.y, k))
        const fit = await fitRidge(acc, { validation: valAcc })
        const w = fit.params['linear.weight'].data
        const b = fit.params['linear.bias'].data
        const pred = Array.from({ length: test.length }, (_, i) => {
          let r = 0
          for (let a = 0; a < k; a++) {
            let z = b[a]
            for (let j = 0; j < DIM; j++) z += w[a * DIM + j] * t.x.data[i * DIM + j]
            r += weights[a] * (fit.targetStats[a].mean + fit.targetStats[a].std * z)
          }
          return r
        })
        curve.push(pearson(target, pred))
        if (round === ROUNDS - 1) break
        const inSet = new Set(chosen)
        const rest = pool.filter((i) => !inSet.has(i))
        const u =
          strategy === 'random'
            ? null
            : await fitRidgeUncertainty(acc, fit, { residuals: matrixSource(v.x, v.y, k), calibrate: true })
        const picks = await selectRows(u, weights, gather(x, y, rest, k).x, {
          budget: batch,
          strategy,
          seed: seed * 100 + round,
        })
        chosen = [...chosen, ...picks.map((p) => rest[p.row])]
      }
      labelled = chosen.length
      curves[strategy].push(curve)
      seconds[strategy] += (performance.now() - t0) / 1000
      console.log(`  ${ds.name} seed ${seed} ${strategy.padEnd(8)} ${curve.map((p) => p.toFixed(3)).join(' ')}`)
    }
  }
  const mean = (s: string) =>
    Array.from({ length: ROUNDS }, (_, r) => curves[s].reduce((a, c) => a + c[r], 0) / curves[s].length)
  const area = (c: number[]) => c.reduce((a, v) => a + v, 0) / c.length
  const poolSize = ds.split(0).pool.length
  const rows = STRATEGIES.map((s) => ({
    dataset: ds.name,
    strategy: s,
    curve: mean(s),
    area: area(mean(s)),
    areaRatioToRandom: area(mean(s)) / area(mean('random')),
    seconds: seconds[s],
    perSeed: curves[s],
  }))
  console.log(
    `\n${ds.name}: test Pearson of the merged reward, mean of ${SEEDS} seeds; rows labelled per round (pool ${poolSize}): ${Array.from({ length: ROUNDS }, (_, r) => Math.round(poolSize * 0.1) * (r + 1)).join(', ')} (last ${labelled})`,
  )
  for (const r of rows) {
    console.log(
      `  ${r.strategy.padEnd(8)} ${r.curve.map((p) => p.toFixed(3)).join('  ')}   area ${r.area.toFixed(4)}  ratio to random ${r.areaRatioToRandom.toFixed(3)}  (${r.seconds.toFixed(0)} s)`,
    )
  }
  return rows
}

const started = new Date().toISOString()
const out: unknown[] = []
console.log(
  `bench:active: hashing dim ${DIM}, ${SEEDS} seeds, ${ROUNDS} rounds; load average ${loadavg()[0].toFixed(1)}`,
)
if (!existsSync(SHARED)) {
  console.log(`no data at ${SHARED} (set BENCH_SHARED_DATA); nothing to do`)
} else {
  for (const name of ONLY.split(',')) out.push(...(await run(name === 'hanna' ? hanna() : mlqe())))
}
console.log(`load average at the end ${loadavg()[0].toFixed(1)} (timings on a shared machine are noisy)`)
mkdirSync(join(ROOT, 'bench', 'out'), { recursive: true })
writeFileSync(
  join(ROOT, 'bench', 'out', 'active.json'),
  `${JSON.stringify({ started, dim: DIM, seeds: SEEDS, rounds: ROUNDS, loadAverage: loadavg(), rows: out }, null, 2)}\n`,
)
