/**
 * `npm run bench:data`: how fast the data stage streams ratings, and that memory stays flat.
 *
 *   big     the demo generator's rows (BENCH_DATA_PROMPTS questions x 6 replies, default 20000 x 6 =
 *           120k rows) written once as JSONL, CSV, TSV, a JSON array and Parquet (Snappy, 10k-row
 *           groups) under $TMPDIR/rewardfit-bench-data, then read back with readRatings
 *   real    ../shared/data: MLQE-PE en-de train/dev/test (quote 'none') and HANNA, when present
 *
 * For each file: rows, seconds, rows/s, MB/s and the peak RSS growth over the run (sampled every
 * 20 ms), which should stay far below the file size. All rows (the featurizing part's too) go to
 * bench/out/data.json.
 *
 * @example
 *   npm run bench:data
 *   BENCH_DATA_PARTS=hashing,store npm run bench:data   # only the featurizing part (bench/data-featurize.ts)
 *   BENCH_DATA_PROMPTS=2000 npm run bench:data
 */
import { once } from 'node:events'
import { createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parquetWriteFile } from 'hyparquet-writer'
import { type DataOptions, readRatings } from '../src/data/index.ts'
import { DEMO_ATTRIBUTES, demoDataOptions, generateDemoDataset, writeDemoDataset } from '../src/demo/index.ts'
import { writeBenchOut } from './bench-out.ts'

const PROMPTS = Number(process.env.BENCH_DATA_PROMPTS ?? 20000)
const DIR = join(tmpdir(), 'rewardfit-bench-data')
const SHARED = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'data')

interface Result {
  name: string
  rows: number
  seconds: number
  rowsPerSecond: number
  megabytes: number
  megabytesPerSecond: number
  peakRssGrowthMB: number
}

async function writeLines(path: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(path)
  for (const line of lines) if (!out.write(line)) await once(out, 'drain')
  out.end()
  await once(out, 'finish')
}

const csvField = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s)
const num = (x: number) => (Number.isNaN(x) ? '' : String(x))

async function makeFiles(): Promise<Record<string, string>> {
  mkdirSync(DIR, { recursive: true })
  const files = {
    jsonl: join(DIR, `demo-${PROMPTS}.jsonl`),
    csv: join(DIR, `demo-${PROMPTS}.csv`),
    tsv: join(DIR, `demo-${PROMPTS}.tsv`),
    json: join(DIR, `demo-${PROMPTS}.json`),
    parquet: join(DIR, `demo-${PROMPTS}.parquet`),
  }
  if (Object.values(files).every(existsSync)) return files
  console.log(`writing ${PROMPTS} x 6 demo rows in 5 formats to ${DIR} ...`)
  await writeDemoDataset(files.jsonl, { prompts: PROMPTS, seed: 0 })
  const rows = generateDemoDataset({ prompts: PROMPTS, seed: 0 })
  const header = ['prompt_id', 'prompt', 'response', ...DEMO_ATTRIBUTES]
  await writeLines(files.csv, [
    `${header.join(',')}\n`,
    ...rows.map(
      (r) => `${[r.group, csvField(r.prompt), csvField(r.response), ...Array.from(r.targets, num)].join(',')}\n`,
    ),
  ])
  await writeLines(files.tsv, [
    `${header.join('\t')}\n`,
    ...rows.map((r) => `${[r.group, r.prompt, r.response, ...Array.from(r.targets, num)].join('\t')}\n`),
  ])
  await writeLines(files.json, [
    '[\n',
    ...rows.map(
      (r, i) =>
        `${JSON.stringify({ prompt_id: r.group, prompt: r.prompt, response: r.response, ...Object.fromEntries(DEMO_ATTRIBUTES.map((a, k) => [a, Number.isNaN(r.targets[k]) ? null : r.targets[k]])) })}${i + 1 < rows.length ? ',' : ''}\n`,
    ),
    ']\n',
  ])
  parquetWriteFile({
    filename: files.parquet,
    rowGroupSize: 10000,
    columnData: [
      { name: 'prompt_id', data: rows.map((r) => r.group), type: 'STRING' },
      { name: 'prompt', data: rows.map((r) => r.prompt), type: 'STRING' },
      { name: 'response', data: rows.map((r) => r.response), type: 'STRING' },
      ...DEMO_ATTRIBUTES.map((a, k) => ({
        name: a,
        data: rows.map((r) => (Number.isNaN(r.targets[k]) ? null : r.targets[k])),
        type: 'DOUBLE' as const,
      })),
    ],
  })
  return files
}

async function measure(name: string, file: string, options: DataOptions): Promise<Result> {
  globalThis.gc?.()
  const base = process.memoryUsage().rss
  let peak = base
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss)
  }, 20)
  const t0 = performance.now()
  let rows = 0
  let checksum = 0
  for await (const e of readRatings(file, options)) {
    rows++
    checksum += e.response.length
  }
  const seconds = (performance.now() - t0) / 1000
  clearInterval(timer)
  peak = Math.max(peak, process.memoryUsage().rss)
  const megabytes = statSync(file).size / 1e6
  if (checksum === 0) throw new Error(`${name}: read no text`)
  return {
    name,
    rows,
    seconds,
    rowsPerSecond: rows / seconds,
    megabytes,
    megabytesPerSecond: megabytes / seconds,
    peakRssGrowthMB: (peak - base) / 1e6,
  }
}

async function main(): Promise<Result[]> {
  const results: Result[] = []
  const files = await makeFiles()
  const demo = demoDataOptions()
  for (const [format, file] of Object.entries(files)) {
    results.push(await measure(`demo ${format}`, file, format === 'tsv' ? { ...demo, quote: 'none' } : demo))
  }
  const mlqe = join(SHARED, 'mlqe-pe-en-de')
  for (const split of ['train', 'dev', 'test']) {
    const file = join(mlqe, `${split}.tsv`)
    if (!existsSync(file)) continue
    results.push(
      await measure(`mlqe-pe ${split}.tsv`, file, {
        quote: 'none',
        promptColumn: 'original',
        responseColumn: 'translation',
        targetColumns: ['mean', 'z_mean'],
        scale: 'mean=0:100',
      }),
    )
  }
  const hanna = join(SHARED, 'hanna', 'hanna.jsonl')
  if (existsSync(hanna)) {
    results.push(
      await measure('hanna.jsonl', hanna, {
        responseColumn: 'story',
        targetColumns: 'relevance,coherence,empathy,surprise,engagement,complexity',
        scale: '1:5',
        groupColumn: 'prompt_id',
      }),
    )
  }
  console.log('\nfile                     rows      s     rows/s    MB    MB/s  peak RSS +MB')
  for (const r of results) {
    console.log(
      `${r.name.padEnd(22)} ${String(r.rows).padStart(7)} ${r.seconds.toFixed(2).padStart(6)} ${Math.round(r.rowsPerSecond).toString().padStart(10)} ${r.megabytes.toFixed(1).padStart(5)} ${r.megabytesPerSecond.toFixed(1).padStart(7)} ${r.peakRssGrowthMB.toFixed(0).padStart(8)}`,
    )
  }
  return results
}

// BENCH_DATA_PARTS picks parts: read (this file), hashing and store (data-featurize.ts, the featurizing part).
const parts = (process.env.BENCH_DATA_PARTS ?? 'read,hashing,store').split(',')
const rows: unknown[] = []
// Reading has no peer: its rows carry rows/s and memory, with null peer and ratio.
if (parts.includes('read'))
  for (const r of await main())
    rows.push({
      ...r,
      name: `read ${r.name}: rows/s`,
      rewardfit: r.rowsPerSecond,
      peer: null,
      ratio: null,
      unit: 'rows/s',
    })
if (parts.some((p) => p !== 'read')) rows.push(...(await (await import('./data-featurize.ts')).runFeaturizeBench()))
writeBenchOut('data', rows, { prompts: PROMPTS })
