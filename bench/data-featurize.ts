/**
 * The featurizing part of `npm run bench:data` (bench/data.ts runs it after the readers):
 *
 *   hashing   rows/s of the `hashing` featurizer (default options) against scikit-learn's
 *             HashingVectorizer with the same n-grams (word 1-2 + char_wb 3-5, alternate sign,
 *             sublinear tf, L2 per block, same block widths) on the same texts in the same run:
 *             HANNA + MLQE-PE en-de from ../shared/data (or BENCH_DATA_DIR), via
 *             /usr/bin/python3 bench/peers/hashing_peer.py. One thread each; best of 3.
 *   store     building the feature store for BENCH_STORE_ROWS generated rows (default 1,000,000) at
 *             width BENCH_STORE_DIM (default 1024), in a child process so its peak RSS is its own.
 *
 * The end-to-end benchmarks reuse `generatedRows` and `buildGeneratedStore` (train on 1M rows), and
 * fill in `benchTrainHanna` (end-to-end train on HANNA, a placeholder until the CLI exists).
 *
 * @example
 *   npm run bench:data
 *   BENCH_DATA_PARTS=hashing node --import tsx bench/data-featurize.ts
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { defaultDataDir, loadHanna, loadMlqe } from '../scripts/tune-hashing.ts'
import { Rng } from '../src/compute/rng.ts'
import type { TextPair } from '../src/featurize/featurizer.ts'
import { createHashingFeaturizer, type HashingOptions } from '../src/featurize/hashing.ts'
import { buildFeatureStore, type StoreRow } from '../src/store/build-store.ts'
import type { FeatureStore } from '../src/store/feature-store.ts'
import { train } from '../src/train/train.ts'
import { loadLine, peerEnv } from './bench-out.ts'

const HERE = dirname(fileURLToPath(import.meta.url))

/** HANNA + MLQE-PE en-de (train, dev, test) text pairs: 10,056 rows. */
export function benchTexts(dataDir = process.env.BENCH_DATA_DIR ?? defaultDataDir()): TextPair[] {
  return [loadHanna(dataDir), ...(['train', 'dev', 'test'] as const).map((s) => loadMlqe(dataDir, s))].flatMap(
    (d) => d.pairs,
  )
}

export interface HashingBenchResult {
  rows: number
  rewardfitRowsPerSecond: number
  /** Rows per second of this process's CPU time (less sensitive to a loaded machine than wall time). */
  rewardfitRowsPerCpuSecond: number
  sklearnSparseRowsPerSecond: number
  sklearnDenseRowsPerSecond: number
}

export async function benchHashing(
  pairs: TextPair[],
  options: HashingOptions = {},
  reps = 3,
): Promise<HashingBenchResult> {
  const f = createHashingFeaturizer(options)
  let best = Infinity
  let bestCpu = Infinity
  for (let r = 0; r < reps; r++) {
    const t = performance.now()
    const c = process.cpuUsage()
    for (let i = 0; i < pairs.length; i += 256) f.featurizeSync(pairs.slice(i, i + 256))
    const cpu = process.cpuUsage(c)
    best = Math.min(best, (performance.now() - t) / 1000)
    bestCpu = Math.min(bestCpu, (cpu.user + cpu.system) / 1e6)
  }
  const dir = mkdtempSync(join(tmpdir(), 'rewardfit-bench-hashing-'))
  try {
    const file = join(dir, 'pairs.jsonl')
    writeFileSync(file, pairs.map((p) => JSON.stringify({ prompt: p.prompt, response: p.response })).join('\n'))
    // The interaction block has no sklearn counterpart; the peer hashes the same two block widths.
    const peer = spawnSync(
      '/usr/bin/python3',
      [join(HERE, 'peers/hashing_peer.py'), file, String(f.promptDim), String(f.responseDim), String(reps)],
      { encoding: 'utf8', env: peerEnv({ OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' }) },
    )
    if (peer.status !== 0) throw new Error(`hashing_peer.py failed: ${peer.stderr}`)
    const p = JSON.parse(peer.stdout.trim().split('\n').at(-1)!)
    return {
      rows: pairs.length,
      rewardfitRowsPerSecond: pairs.length / best,
      rewardfitRowsPerCpuSecond: pairs.length / bestCpu,
      sklearnSparseRowsPerSecond: p.rows / p.seconds_sparse,
      sklearnDenseRowsPerSecond: p.rows / p.seconds_dense,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const VOCAB = Array.from({ length: 5000 }, (_, i) => {
  const syl = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'si', 'po', 've', 'du', 'xo', 'bi']
  let w = ''
  for (let n = i + 1; n > 0; n = Math.floor(n / 12)) w += syl[n % 12]
  return w
})

/**
 * n synthetic rated rows, streamed (never held in memory): a prompt of 8-20 words and a response of
 * 20-60 words from a Zipf-like vocabulary; the response's quality q in [0, 1) decides how many of its
 * words come from the "good" half of the vocabulary, and the two targets are 1 + 4q + noise (1-5)
 * and q + noise, 5% missing. Deterministic for a seed.
 */
export async function* generatedRows(n: number, seed = 0): AsyncIterable<StoreRow> {
  const rng = new Rng(seed)
  const word = (good: boolean) => VOCAB[2 * Math.floor((rng.float() ** 2 * VOCAB.length) / 2) + (good ? 0 : 1)]
  for (let i = 0; i < n; i++) {
    const q = rng.float()
    const prompt = Array.from({ length: 8 + rng.int(13) }, () => word(rng.float() < 0.5)).join(' ')
    const response = Array.from({ length: 20 + rng.int(41) }, () => word(rng.float() < q)).join(' ')
    const t0 = Math.min(5, Math.max(1, 1 + 4 * q + 0.3 * rng.normal()))
    const t1 = rng.float() < 0.05 ? null : q + 0.1 * rng.normal()
    yield { pair: { prompt: `${prompt}?`, response: `${response}.` }, targets: [t0, t1] }
  }
}

export interface StoreBuildResult {
  rows: number
  dim: number
  seconds: number
  rowsPerSecond: number
  gigabytes: number
  /** Peak resident set of the process that built the store. */
  peakRssMB: number
  path: string
  /** One epoch of a linear head trained from the store (benchStoreBuild only). */
  trainSeconds?: number
  trainLRating?: number
}

/**
 * Builds the feature store of `rows` generated rows in THIS process (call it in a child to measure
 * its peak RSS, as benchStoreBuild does). The end-to-end train-on-1M benchmark calls this, then
 * trains from `store` (a BatchSource).
 */
export async function buildGeneratedStore(
  rows: number,
  o: { dim?: number; dir?: string; seed?: number; onProgress?: (done: number, rowsPerSecond: number) => void } = {},
): Promise<{ store: FeatureStore; result: StoreBuildResult }> {
  const f = createHashingFeaturizer({ dim: o.dim ?? 1024 })
  const dir = o.dir ?? join(tmpdir(), 'rewardfit-bench-store')
  const t = performance.now()
  const store = await buildFeatureStore(f, generatedRows(rows, o.seed ?? 0), {
    dir,
    batchSize: 512,
    attributes: ['quality', 'q'],
    onProgress: (p) => o.onProgress?.(p.rows, p.rowsPerSecond),
  })
  const seconds = (performance.now() - t) / 1000
  return {
    store,
    result: {
      rows,
      dim: f.dim,
      seconds,
      rowsPerSecond: rows / seconds,
      gigabytes: (rows * f.dim * 4) / 1e9,
      peakRssMB: process.resourceUsage().maxRSS / 1024,
      path: store.path,
    },
  }
}

/** Runs buildGeneratedStore in a child process and returns its figures (the store is deleted). */
export function benchStoreBuild(rows: number, dim: number): StoreBuildResult {
  const dir = mkdtempSync(join(tmpdir(), 'rewardfit-bench-store-'))
  try {
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--store-child', String(rows), String(dim), dir],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    if (child.status !== 0) throw new Error(`store child failed with status ${child.status}`)
    return JSON.parse(child.stdout.trim().split('\n').at(-1)!)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export interface TrainHannaResult {
  seconds: number
  peakRssMB: number
  rows: Record<string, number>
  testPearson: Record<string, number>
}

/**
 * End-to-end `rewardfit train` on HANNA (the real CLI in a child process, features not cached):
 * wall time and peak RSS from /usr/bin/time. Null when the data is not there.
 */
export function benchTrainHanna(dataDir = defaultDataDir()): TrainHannaResult | null {
  const file = join(dataDir, 'hanna', 'hanna.jsonl')
  const out = mkdtempSync(join(tmpdir(), 'rewardfit-bench-hanna-'))
  try {
    const bin = join(HERE, '..', 'bin', 'rewardfit.js')
    const args = [
      '-f',
      '%e %M',
      process.execPath,
      bin,
      'train',
      '--data',
      file,
      '--response',
      'story',
      '--targets',
      'relevance,coherence,empathy,surprise,engagement,complexity',
      '--scale',
      '1:5',
      '--group',
      'prompt_id',
      '--test-fraction',
      '0.2',
      '--cache-dir',
      join(out, 'cache'),
      '--out',
      join(out, 'model'),
      '--json',
    ]
    const child = spawnSync('/usr/bin/time', args, { encoding: 'utf8' })
    if (child.error || child.status !== 0) {
      console.log(`  (skipped: ${child.error?.message ?? child.stderr.trim().split('\n').at(-2)})`)
      return null
    }
    const [secs, kb] = child.stderr.trim().split('\n').at(-1)!.split(' ').map(Number)
    const r = JSON.parse(child.stdout)
    const testPearson = Object.fromEntries(
      Object.entries(r.metrics.test.attributes as Record<string, { pearson: number }>).map(([k, v]) => [k, v.pearson]),
    )
    return { seconds: secs, peakRssMB: kb / 1024, rows: r.summary.rows, testPearson }
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
}

/** Benchmark rows (rewardfit vs peer, ratio) for bench/out/data.json. */
export interface BenchRow {
  name: string
  rewardfit: number
  peer: number | null
  peerName: string | null
  unit: string
  ratio: number | null
  [k: string]: unknown
}

export async function runFeaturizeBench(): Promise<BenchRow[]> {
  const parts = (process.env.BENCH_DATA_PARTS ?? 'hashing,hanna,store').split(',')
  const out: Record<string, unknown> = {}
  const rows: BenchRow[] = []
  if (parts.includes('hashing')) {
    const dir = process.env.BENCH_DATA_DIR ?? defaultDataDir()
    for (const [label, pairs] of [
      ['HANNA prompt + story', loadHanna(dir).pairs],
      ['HANNA + MLQE-PE', benchTexts(dir)],
    ] as const) {
      const r = await benchHashing(pairs)
      out[label] = r
      const ratio = r.rewardfitRowsPerSecond / r.sklearnSparseRowsPerSecond
      console.log(`\nfeaturizing ${r.rows} ${label} pairs (default hashing options, 1 thread, best of 3)`)
      console.log(
        `  rewardfit hashing            ${Math.round(r.rewardfitRowsPerSecond)} rows/s (${Math.round(r.rewardfitRowsPerCpuSecond)} per CPU second)`,
      )
      console.log(
        `  sklearn HashingVectorizer    ${Math.round(r.sklearnSparseRowsPerSecond)} rows/s sparse, ${Math.round(r.sklearnDenseRowsPerSecond)} rows/s with toarray()`,
      )
      console.log(
        `  ratio rewardfit / sklearn    ${ratio.toFixed(2)}x (sparse), ${(r.rewardfitRowsPerSecond / r.sklearnDenseRowsPerSecond).toFixed(2)}x (dense); ${loadLine()}`,
      )
      rows.push({
        name: `hashing featurizer, ${label}: rows/s`,
        rewardfit: r.rewardfitRowsPerSecond,
        peer: r.sklearnSparseRowsPerSecond,
        peerName: 'sklearn HashingVectorizer (sparse)',
        unit: 'rows/s',
        ratio,
        rewardfitRowsPerCpuSecond: r.rewardfitRowsPerCpuSecond,
        peerDenseRowsPerSecond: r.sklearnDenseRowsPerSecond,
        rows: r.rows,
        loadAverage: loadavg(),
      })
    }
  }
  if (parts.includes('store')) {
    const n = Number(process.env.BENCH_STORE_ROWS ?? 1_000_000)
    const dim = Number(process.env.BENCH_STORE_DIM ?? 1024)
    const r = benchStoreBuild(n, dim)
    out.store = r
    rows.push({
      name: 'feature store build: rows/s',
      rewardfit: r.rowsPerSecond,
      peer: null,
      peerName: null,
      unit: 'rows/s',
      ratio: null,
      ...r,
    })
    console.log(
      `\nfeature store build + linear head training: ${r.rows} generated rows x ${r.dim} (${r.gigabytes.toFixed(1)} GB on disk)`,
    )
    console.log(
      `  build ${r.seconds.toFixed(1)} s (${Math.round(r.rowsPerSecond)} rows/s), one training epoch from disk ${r.trainSeconds?.toFixed(1)} s, peak RSS ${Math.round(r.peakRssMB)} MB (limit 2048 MB)`,
    )
  }
  if (parts.includes('hanna')) {
    const r = benchTrainHanna()
    out.trainHanna = r
    if (r) {
      rows.push({
        name: 'rewardfit train on HANNA: s',
        rewardfit: r.seconds,
        peer: null,
        peerName: null,
        unit: 's',
        ratio: null,
        ...r,
      })
      console.log(`\nend-to-end rewardfit train on HANNA (hashing + ridge, ${r.rows.train} train rows, 6 attributes)`)
      console.log(`  ${r.seconds.toFixed(1)} s wall, peak RSS ${Math.round(r.peakRssMB)} MB`)
      console.log(
        `  test Pearson: ${Object.entries(r.testPearson)
          .map(([k, v]) => `${k} ${v.toFixed(3)}`)
          .join(', ')}`,
      )
    }
  }
  const outDir = join(HERE, 'out')
  mkdirSync(outDir, { recursive: true })
  writeFileSync(join(outDir, 'data-featurize.json'), `${JSON.stringify(out, null, 2)}\n`)
  return rows
}

async function storeChild(rows: number, dim: number, dir: string): Promise<void> {
  let last = 0
  const { store, result } = await buildGeneratedStore(rows, {
    dim,
    dir,
    onProgress: (done, rate) => {
      if (done - last >= 100_000 || done === rows) {
        last = done
        process.stderr.write(`  store: ${done} rows, ${Math.round(rate)} rows/s\n`)
      }
    },
  })
  // A full sequential scan, as ridge statistics do, must not grow memory either.
  let seen = 0
  for await (const c of store.chunks(4096)) seen += c.x.rows
  if (seen !== rows) throw new Error(`scanned ${seen} rows, expected ${rows}`)
  // Train a linear head from the store, streamed from disk in shuffled mini-batches (one epoch).
  const t = performance.now()
  const trained = await train({ train: store }, { head: 'linear', epochs: 1, batchSize: 1024, seed: 0 })
  const trainSeconds = (performance.now() - t) / 1000
  process.stderr.write(`  trained a linear head on ${rows} rows in ${trainSeconds.toFixed(1)} s\n`)
  await store.close()
  console.log(
    JSON.stringify({
      ...result,
      trainSeconds,
      trainLRating: trained.history.at(-1)?.trainLRating,
      peakRssMB: process.resourceUsage().maxRSS / 1024,
    }),
  )
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const i = process.argv.indexOf('--store-child')
  if (i >= 0) await storeChild(Number(process.argv[i + 1]), Number(process.argv[i + 2]), process.argv[i + 3])
  else await runFeaturizeBench()
}
