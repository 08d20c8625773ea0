/**
 * `npm run bench:backbone`: texts per second of rewardfit's transformer featurizer (transformers.js
 * tokenizer + onnxruntime-node, all cores) against Debian's PyTorch running the same weights on the
 * same token ids, in the same run (bench/peers/backbone_peer.py, torch threads 1 and 2; best kept).
 *
 *   encoder  MiniLM-L6 shape (6 layers, width 384, 12 heads, intermediate 1536), random weights,
 *            exported to ONNX at bench time into a temp dir; 256 pairs of exactly 128 tokens, batch 16
 *   decoder  Qwen2-0.5B layer shape (24 layers, width 896, 14/2 heads, intermediate 4864; 32k vocab),
 *            16 pairs of 128 tokens, batch 16 (skip with BENCH_DECODER=0)
 *
 * rewardfit runs with every core (its default) and with 1 thread; the best of each side is compared.
 * Peak memory is the max RSS of each process (rewardfit's includes Node + tsx, and is the high-water
 * mark of the whole bench process so far). The ids the peer runs
 * are tokenized in advance, so its time leaves out tokenization while rewardfit's includes it.
 * The machine's 2 cores are shared with other work: figures are noisy.
 *
 * @example
 *   npm run bench:backbone
 *   BENCH_DECODER=0 npm run bench:backbone
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TextPair } from '../src/featurize/featurizer.ts'
import { createTransformerFeaturizer } from '../src/featurize/transformer.ts'

const PEER = join(dirname(fileURLToPath(import.meta.url)), 'peers', 'backbone_peer.py')
const PYTHON = '/usr/bin/python3'
const BATCH = 16

interface PeerRun {
  threads: number
  texts: number
  seconds: number
  textsPerSec: number
  maxRssMB: number
  first: number[]
}

function peer(args: string[]): string {
  const r = spawnSync(PYTHON, [PEER, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 })
  if (r.status !== 0) throw new Error(`peer ${args.join(' ')} failed:\n${r.stderr}`)
  return r.stdout.trim().split('\n').at(-1)!
}

async function benchShape(shape: 'minilm' | 'qwen05', texts: number, repeat: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `rewardfit-bench-${shape}-`))
  try {
    const exp = JSON.parse(peer(['export', '--out', dir, '--shape', shape, '--texts', String(texts)]))
    console.log(`\n${shape}: ${(exp.params / 1e6).toFixed(1)}M parameters, ONNX export ${exp.exportSeconds} s`)
    const pairs = JSON.parse(readFileSync(join(dir, 'pairs.json'), 'utf8')) as TextPair[]

    // rewardfit with every core (its default) and with one thread, as torch gets 1 and 2: the best is compared.
    let out: Float32Array = new Float32Array(0)
    const ours: { threads: number; textsPerSec: number; seconds: number }[] = []
    for (const threads of [0, 1]) {
      const f = await createTransformerFeaturizer({
        type: 'onnx',
        path: dir,
        batchSize: BATCH,
        maxLength: 512,
        threads,
      })
      await f.featurize(pairs.slice(0, 2)) // warm-up
      let best = Number.POSITIVE_INFINITY
      for (let i = 0; i < repeat; i++) {
        const t0 = performance.now()
        out = await f.featurize(pairs)
        best = Math.min(best, (performance.now() - t0) / 1000)
      }
      await f.dispose()
      ours.push({ threads: threads || availableParallelism(), textsPerSec: texts / best, seconds: best })
    }
    const ourRss = process.resourceUsage().maxRSS / 1024

    const runs: PeerRun[] = [1, 2].map((threads) =>
      JSON.parse(
        peer([
          'run',
          '--dir',
          dir,
          '--threads',
          String(threads),
          '--texts',
          String(texts),
          '--batch',
          String(BATCH),
          '--repeat',
          String(repeat),
        ]),
      ),
    )
    const diff = Math.max(...runs[0].first.map((v, j) => Math.abs(v - out[j])))
    const torchBest = runs.reduce((a, b) => (b.textsPerSec > a.textsPerSec ? b : a))
    const row = (name: string, tps: number, s: number, rss: number) =>
      console.log(
        `  ${name.padEnd(28)} ${tps.toFixed(2).padStart(9)} texts/s ${s.toFixed(2).padStart(8)} s  ${rss.toFixed(0).padStart(6)} MB max RSS`,
      )
    console.log(`  ${texts} pairs x 128 tokens, batch ${BATCH}; best of ${repeat}`)
    for (const o of ours) row(`rewardfit (ort threads ${o.threads})`, o.textsPerSec, o.seconds, ourRss)
    for (const r of runs) row(`pytorch (threads ${r.threads})`, r.textsPerSec, r.seconds, r.maxRssMB)
    const oursBest = ours.reduce((a, b) => (b.textsPerSec > a.textsPerSec ? b : a))
    console.log(
      `  ratio best rewardfit / best pytorch: ${(oursBest.textsPerSec / torchBest.textsPerSec).toFixed(2)}x  (target >= 1.5x); ` +
        `at 1 thread each: ${(ours[1].textsPerSec / runs[0].textsPerSec).toFixed(2)}x; load average ${loadavg()[0].toFixed(1)}`,
    )
    console.log(`  row 0, first 8 values: max abs diff vs torch ${diff.toExponential(2)}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await benchShape('minilm', Number(process.env.BENCH_TEXTS ?? 256), 2)
if (process.env.BENCH_DECODER !== '0') await benchShape('qwen05', 16, 1)
