/**
 * `npm run bench:backbone`: rewardfit's transformer featurizer (transformers.js tokenizer + onnxruntime-node)
 * against Debian's PyTorch running the same weights on the same token ids, in the same run
 * (bench/peers/backbone_peer.py). Models have random weights (no downloads here): the speed of a shape
 * does not depend on its weights.
 *
 *   fixed    MiniLM-L6 shape (6 x 384, 12 heads, 1536 FFN, 30,522 vocab); pairs of exactly 128 tokens,
 *            batch 16; fp32 and int8 at 1 and 2 threads, torch at 1 and 2 threads
 *   ragged   the same model on real text: HANNA prompt + story (cut at 512 tokens) and MLQE-PE en-de
 *            pairs, from ../shared/data (or BENCH_DATA_DIR); rewardfit with and without length
 *            sorting, torch sorted the same way and naively padded (batches in input order), 1 thread
 *   session  onnxruntime session options on one [16, 128] batch (bench/backbone-worker.ts session)
 *   decoder  Qwen2-0.5B layer shape (24 x 896, 14/2 heads, 4864 FFN; 32k vocab), 4 pairs of 128 tokens
 *            (skip with BENCH_DECODER=0)
 *   int8     fidelity: cosine to fp32 per vector, and HANNA test Pearson of a ridge head on the tiny
 *            test fixtures' features, fp32 vs int8
 *   gguf     node-llama-cpp one pair at a time vs several in parallel (bench/backbone-gguf.ts)
 *
 * Every run is its own process (its peak RSS is its own) and the sides alternate, round after round;
 * medians are reported. The machine's 2 cores are shared with other work, so wall-clock figures are
 * noisy: the load average is printed, and at 1 thread the CPU seconds of each process (much steadier
 * under contention) are reported beside the wall clock. rewardfit's time includes its tokenizer; the
 * peer's ids are tokenized in advance. Rows go to bench/out/backbone.json.
 *
 * @example
 *   npm run bench:backbone
 *   BENCH_DECODER=0 BENCH_ROUNDS=2 npm run bench:backbone
 *   BENCH_CASES=ragged,gguf npm run bench:backbone     # only these; their rows replace theirs in the JSON
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TextPair } from '../src/featurize/featurizer.ts'
import { createEncoderRows, type RowTokenizer } from '../src/featurize/transformer-inputs.ts'
import { peer, type Run, worker } from './backbone-spawn.ts'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const rows: Record<string, unknown>[] = []
const loads: number[] = []

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const load = () => {
  const l = loadavg()[0]
  loads.push(l)
  return l
}

interface Case {
  name: string
  side: 'rewardfit' | 'pytorch'
  threads: number
  run: () => Run
}
interface Summary {
  name: string
  side: string
  threads: number
  texts: number
  tokens: number
  seconds: number
  cpuSeconds: number
  textsPerSec: number
  textsPerCpuSec: number
  tokensPerSec: number
  maxRssMB: number
  spread: number
  first?: number[]
}

/** Runs every case once per round, in turn, and keeps the medians. */
function interleave(cases: Case[], rounds: number, tokens: number): Summary[] {
  const runs = new Map<string, Run[]>(cases.map((c) => [c.name, []]))
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) runs.get(c.name)!.push(c.run())
  }
  return cases.map((c) => {
    const rs = runs.get(c.name)!
    const seconds = median(rs.map((x) => x.seconds))
    const cpuSeconds = median(rs.map((x) => x.cpuSeconds))
    const texts = rs[0].texts
    return {
      name: c.name,
      side: c.side,
      threads: c.threads,
      texts,
      tokens,
      seconds,
      cpuSeconds,
      textsPerSec: texts / seconds,
      textsPerCpuSec: texts / cpuSeconds,
      tokensPerSec: tokens / seconds,
      maxRssMB: Math.max(...rs.map((x) => x.maxRssMB)),
      // Slowest over fastest run: how noisy this case was.
      spread: Math.max(...rs.map((x) => x.seconds)) / Math.min(...rs.map((x) => x.seconds)),
      first: rs[0].first,
    }
  })
}

function printTable(title: string, s: Summary[]): void {
  console.log(`  ${title}`)
  console.log(
    `  ${'case'.padEnd(34)} ${'texts/s'.padStart(8)} ${'tokens/s'.padStart(9)} ${'texts/cpu-s'.padStart(11)} ${'spread'.padStart(6)} ${'max RSS'.padStart(8)}`,
  )
  for (const r of s) {
    console.log(
      `  ${r.name.padEnd(34)} ${r.textsPerSec.toFixed(2).padStart(8)} ${r.tokensPerSec.toFixed(0).padStart(9)} ${r.textsPerCpuSec.toFixed(2).padStart(11)} ${`${r.spread.toFixed(2)}x`.padStart(6)} ${`${r.maxRssMB.toFixed(0)} MB`.padStart(8)}`,
    )
  }
}

const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`

function record(caseName: string, s: Summary[], extra: Record<string, unknown> = {}): void {
  for (const r of s) rows.push({ case: caseName, ...r, first: undefined, load1: loadavg()[0], ...extra })
}

function exportModel(shape: 'minilm' | 'qwen05', texts: number): { dir: string; pairs: string } {
  const dir = mkdtempSync(join(tmpdir(), `rewardfit-bench-${shape}-`))
  const exp = peer(['export', '--out', dir, '--shape', shape, '--texts', String(texts)]) as unknown as {
    params: number
    exportSeconds: number
  }
  console.log(
    `\n${shape}: ${(exp.params / 1e6).toFixed(1)}M parameters, random weights, ONNX export ${exp.exportSeconds} s`,
  )
  return { dir, pairs: join(dir, 'pairs.json') }
}

function torchCase(
  name: string,
  dir: string,
  threads: number,
  texts: number,
  batch: number,
  extra: string[] = [],
): Case {
  return {
    name,
    side: 'pytorch',
    threads,
    run: () =>
      peer([
        'run',
        '--dir',
        dir,
        '--threads',
        String(threads),
        '--texts',
        String(texts),
        '--batch',
        String(batch),
        '--repeat',
        '1',
        ...extra,
      ]),
  }
}
function oursCase(name: string, o: Record<string, unknown>): Case {
  return { name, side: 'rewardfit', threads: o.threads as number, run: () => worker('featurize', o) }
}

function rssCheck(ours: Summary[], torch: Summary[]): string {
  const a = Math.max(...ours.map((r) => r.maxRssMB))
  const b = Math.max(...torch.map((r) => r.maxRssMB))
  return `peak RSS rewardfit ${a.toFixed(0)} MB vs torch ${b.toFixed(0)} MB (${ratio(a, b)}; limit 1.25x)`
}

function diffFirst(a?: number[], b?: number[]): string {
  if (!a || !b) return 'n/a'
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]))).toExponential(1)
}

function fixedCase(dir: string, pairs: string, texts: number): void {
  const l0 = load()
  const cases = [
    oursCase('rewardfit fp32, 1 thread', { dir, pairs, threads: 1 }),
    torchCase('pytorch, 1 thread', dir, 1, texts, 16),
    oursCase('rewardfit fp32, 2 threads', { dir, pairs, threads: 2 }),
    torchCase('pytorch, 2 threads', dir, 2, texts, 16),
    oursCase('rewardfit int8, 1 thread', { dir, pairs, threads: 1, quantize: 'int8' }),
    oursCase('rewardfit int8, 2 threads', { dir, pairs, threads: 2, quantize: 'int8' }),
  ]
  const s = interleave(cases, ROUNDS, texts * 128)
  printTable(
    `${texts} pairs x 128 tokens, batch 16; median of ${ROUNDS} interleaved rounds; load ${l0.toFixed(1)} -> ${load().toFixed(1)}`,
    s,
  )
  const [o1, t1, o2, t2, q1, q2] = s
  const bestOurs = o1.textsPerSec > o2.textsPerSec ? o1 : o2
  const bestTorch = t1.textsPerSec > t2.textsPerSec ? t1 : t2
  const bestInt8 = q1.textsPerSec > q2.textsPerSec ? q1 : q2
  console.log(
    `  fp32 vs torch at 1 thread: ${ratio(o1.textsPerSec, t1.textsPerSec)} wall, ${ratio(o1.textsPerCpuSec, t1.textsPerCpuSec)} per CPU second (target >= 1.5x)`,
  )
  console.log(`  fp32 vs torch at 2 threads: ${ratio(o2.textsPerSec, t2.textsPerSec)} wall`)
  console.log(
    `  best vs best: fp32 ${ratio(bestOurs.textsPerSec, bestTorch.textsPerSec)}, int8 ${ratio(bestInt8.textsPerSec, bestTorch.textsPerSec)} (target >= 2x); int8 vs fp32 at 1 thread: ${ratio(q1.textsPerCpuSec, o1.textsPerCpuSec)} per CPU second`,
  )
  console.log(
    `  row 0, first 8 values, fp32 vs torch: max abs diff ${diffFirst(o1.first, t1.first)}; ${rssCheck(
      s.filter((r) => r.side === 'rewardfit'),
      [t1, t2],
    )}`,
  )
  record('fixed-minilm', s)
}

function dataDir(): string {
  const candidates = [process.env.BENCH_DATA_DIR, join(ROOT, '../shared/data'), join(ROOT, '../../shared/data')]
  const found = candidates.find((c) => c && existsSync(join(c, 'hanna/hanna.jsonl')))
  if (!found) throw new Error(`no ../shared/data (tried ${candidates.filter(Boolean).join(', ')}); set BENCH_DATA_DIR`)
  return found
}

/** HANNA (prompt, story) and MLQE-PE en-de (original, translation), as (x, y) pairs. */
function realPairs(n: { hanna: number; mlqe: number }): { hanna: TextPair[]; mlqe: TextPair[] } {
  const dir = dataDir()
  const hannaAll = readFileSync(join(dir, 'hanna/hanna.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { prompt: string; story: string })
  // Evenly spaced rows: every generator and prompt represented.
  const step = (all: number, k: number) => Math.max(1, Math.floor(all / k))
  const hanna = hannaAll
    .filter((_, i) => i % step(hannaAll.length, n.hanna) === 0)
    .slice(0, n.hanna)
    .map((r) => ({ prompt: r.prompt, response: r.story }))
  // Quoting off: one row per line, 8 tab-separated fields (some texts hold stray double quotes).
  const lines = readFileSync(join(dir, 'mlqe-pe-en-de/train.tsv'), 'utf8').split('\n').slice(1).filter(Boolean)
  const mlqe = lines
    .filter((_, i) => i % step(lines.length, n.mlqe) === 0)
    .slice(0, n.mlqe)
    .map((l) => {
      const f = l.split('\t')
      return { prompt: f[1], response: f[2] }
    })
  return { hanna, mlqe }
}

async function raggedCase(dir: string): Promise<void> {
  const { AutoTokenizer } = await import('@huggingface/transformers')
  const tok = (await AutoTokenizer.from_pretrained(dir, { local_files_only: true })) as unknown as RowTokenizer
  const toRows = createEncoderRows(tok, 512)
  const sets = realPairs({ hanna: Number(process.env.BENCH_HANNA ?? 32), mlqe: Number(process.env.BENCH_MLQE ?? 256) })
  for (const [name, pairs] of Object.entries(sets)) {
    const rowsOf = pairs.map(toRows)
    const lens = rowsOf.map((r) => r.ids.length)
    const tokens = lens.reduce((a, b) => a + b, 0)
    const pairsFile = join(dir, `${name}.pairs.json`)
    const idsFile = join(dir, `${name}.ids.json`)
    writeFileSync(pairsFile, JSON.stringify(pairs))
    writeFileSync(idsFile, JSON.stringify({ ids: rowsOf.map((r) => r.ids), types: rowsOf.map((r) => r.typeIds) }))
    const sorted = [...lens].sort((a, b) => a - b)
    const l0 = load()
    const cases = [
      oursCase('rewardfit, length-sorted', { dir, pairs: pairsFile, threads: 1 }),
      torchCase('pytorch, length-sorted', dir, 1, pairs.length, 16, ['--ids', idsFile, '--padding', 'sorted']),
      oursCase('rewardfit, input order', { dir, pairs: pairsFile, threads: 1, sortByLength: false }),
      torchCase('pytorch, input order (naive)', dir, 1, pairs.length, 16, ['--ids', idsFile, '--padding', 'naive']),
      oursCase('rewardfit int8, length-sorted', { dir, pairs: pairsFile, threads: 1, quantize: 'int8' }),
    ]
    const s = interleave(cases, ROUNDS, tokens)
    printTable(
      `${name}: ${pairs.length} pairs, ${tokens} tokens (min ${sorted[0]}, median ${median(lens)}, max ${sorted.at(-1)}), batch 16, 1 thread; load ${l0.toFixed(1)} -> ${load().toFixed(1)}`,
      s,
    )
    const [os, ts, on, tn, q] = s
    console.log(
      `  sorted vs sorted: ${ratio(os.textsPerSec, ts.textsPerSec)} wall, ${ratio(os.textsPerCpuSec, ts.textsPerCpuSec)} per CPU s; ` +
        `rewardfit sorted vs torch naive: ${ratio(os.textsPerCpuSec, tn.textsPerCpuSec)} per CPU s; ` +
        `sorting gains ${ratio(os.textsPerCpuSec, on.textsPerCpuSec)} (rewardfit), ${ratio(ts.textsPerCpuSec, tn.textsPerCpuSec)} (torch); int8 ${ratio(q.textsPerCpuSec, ts.textsPerCpuSec)} vs torch sorted`,
    )
    console.log(
      `  row 0 sorted vs unsorted: max abs diff ${diffFirst(os.first, on.first)}; vs torch ${diffFirst(os.first, ts.first)}; ${rssCheck([os, on, q], [ts, tn])}`,
    )
    record(`ragged-${name}`, s, { minTokens: sorted[0], medianTokens: median(lens), maxTokens: sorted.at(-1) })
  }
}

function sessionCase(dir: string): void {
  for (const threads of [1, 2]) {
    const l0 = load()
    const r = worker('session', { dir, threads, rounds: 2 * ROUNDS + 1 }) as unknown as {
      rows: { setting: string; seconds: number; cpuSeconds: number }[]
      createAll: number
      createSaved: number
    }
    const chosen = r.rows[0]
    console.log(
      `  onnxruntime settings, ${threads} thread(s), one [16, 128] batch, median of ${2 * ROUNDS + 1} interleaved; load ${l0.toFixed(1)}`,
    )
    for (const x of r.rows) {
      console.log(
        `    ${x.setting.padEnd(20)} ${(x.seconds * 1000).toFixed(0).padStart(6)} ms wall (${ratio(chosen.seconds, x.seconds)} of chosen) ${(x.cpuSeconds * 1000).toFixed(0).padStart(6)} ms CPU`,
      )
      rows.push({ case: 'session-options', threads, ...x, load1: loadavg()[0] })
    }
    console.log(
      `    session creation: optimizing at load ${r.createAll.toFixed(2)} s, loading a saved optimized graph ${r.createSaved.toFixed(2)} s`,
    )
    rows.push({ case: 'session-create', threads, createAll: r.createAll, createSaved: r.createSaved })
  }
}

function decoderCase(): void {
  const texts = Number(process.env.BENCH_DECODER_TEXTS ?? 4)
  const { dir, pairs } = exportModel('qwen05', texts)
  try {
    const l0 = load()
    const cases = [
      oursCase('rewardfit fp32, 1 thread', { dir, pairs, threads: 1, batchSize: texts }),
      torchCase('pytorch, 1 thread', dir, 1, texts, texts),
      oursCase('rewardfit fp32, 2 threads', { dir, pairs, threads: 2, batchSize: texts }),
      torchCase('pytorch, 2 threads', dir, 2, texts, texts),
    ]
    const s = interleave(cases, Math.max(1, ROUNDS - 1), texts * 128)
    printTable(
      `${texts} pairs x 128 tokens, one batch; median of ${Math.max(1, ROUNDS - 1)} rounds; load ${l0.toFixed(1)} -> ${load().toFixed(1)}`,
      s,
    )
    const [o1, t1, o2, t2] = s
    const bo = o1.textsPerSec > o2.textsPerSec ? o1 : o2
    const bt = t1.textsPerSec > t2.textsPerSec ? t1 : t2
    console.log(
      `  at 1 thread: ${ratio(o1.textsPerSec, t1.textsPerSec)} wall, ${ratio(o1.textsPerCpuSec, t1.textsPerCpuSec)} per CPU s (target >= 1.2x); at 2 threads ${ratio(o2.textsPerSec, t2.textsPerSec)}; best vs best ${ratio(bo.textsPerSec, bt.textsPerSec)}`,
    )
    console.log(`  row 0 vs torch: max abs diff ${diffFirst(o1.first, t1.first)}; ${rssCheck([o1, o2], [t1, t2])}`)
    record('decoder-qwen05', s)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Writes the rows so far (after every case, so an interrupted run keeps what it measured). */
function flush(): void {
  const only = process.env.BENCH_CASES?.split(',')
  const out = join(ROOT, 'bench/out/backbone.json')
  mkdirSync(join(ROOT, 'bench/out'), { recursive: true })
  // A partial run (BENCH_CASES) replaces its own cases' rows and keeps the others'.
  const ran = new Set(rows.map((r) => String(r.case)))
  const kept =
    (only || flushed) && existsSync(out)
      ? (JSON.parse(readFileSync(out, 'utf8')).rows as Record<string, unknown>[]).filter(
          (r) => !ran.has(String(r.case)),
        )
      : []
  flushed = true
  writeFileSync(
    `${out}.tmp`,
    JSON.stringify({ date: new Date().toISOString(), loads, rows: [...kept, ...rows] }, null, 1),
  )
  renameSync(`${out}.tmp`, out)
}
let flushed = false

async function main(): Promise<void> {
  console.log(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (2 cores, shared)`,
  )
  const only = process.env.BENCH_CASES?.split(',')
  const want = (c: string) => !only || only.includes(c)
  const texts = Number(process.env.BENCH_TEXTS ?? 128)
  if (want('fixed') || want('ragged') || want('session')) {
    const { dir, pairs } = exportModel('minilm', texts)
    try {
      if (want('session')) sessionCase(dir)
      flush()
      if (want('fixed')) fixedCase(dir, pairs, texts)
      flush()
      if (want('ragged')) await raggedCase(dir)
      flush()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
  if (want('int8')) {
    const { int8Fidelity } = await import('./backbone-int8.ts')
    rows.push(...(await int8Fidelity(dataDir())))
    flush()
  }
  if (want('gguf')) {
    const { ggufCase } = await import('./backbone-gguf.ts')
    rows.push(...(await ggufCase(ROUNDS)))
    flush()
  }
  if (process.env.BENCH_DECODER !== '0' && want('decoder')) decoderCase()
  const l = loadavg()
  console.log(
    `\nload average over the bench: ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}; now ${l.map((x) => x.toFixed(1)).join(' ')}. ` +
      "Wall-clock ratios under this load are noisy (see each case's spread); per-CPU-second figures are steadier.",
  )
  flush()
  console.log(`rows written to ${join(ROOT, 'bench/out/backbone.json')}`)
}

await main()
