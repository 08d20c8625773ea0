/**
 * The gguf case of `npm run bench:backbone`: node-llama-cpp one pair at a time against several pairs
 * at once (`parallel`: one llama.cpp context per pair in flight), on the tiny test GGUF and on a larger
 * generated one, with MLQE-PE-like short pairs. Each setting runs in its own process (bench/backbone-worker.ts),
 * settings interleaved round by round; the vectors of every setting are compared with one at a time.
 * There is no torch peer here: the comparison is rewardfit's own sequential path.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeTinyGguf } from '../scripts/fixtures/make-tiny-gguf.ts'
import { worker } from './backbone-spawn.ts'

const SHAPES = {
  tiny: {},
  // ~27M parameters, F32: big enough that a decode is compute-bound, small enough to write in seconds.
  larger: { width: 512, layers: 8, heads: 8, kvHeads: 4, ffn: 1536, contextLength: 1024 },
} as const

const WORDS = 'the cat sat on a mat while rain fell over quiet hills and old stone walls'.split(' ')

export async function ggufCase(rounds: number): Promise<Record<string, unknown>[]> {
  const dir = mkdtempSync(join(tmpdir(), 'rewardfit-bench-gguf-'))
  const out: Record<string, unknown>[] = []
  try {
    const pairs = Array.from({ length: Number(process.env.BENCH_GGUF_PAIRS ?? 24) }, (_, i) => ({
      prompt: Array.from({ length: 12 + (i % 9) * 3 }, (_, j) => WORDS[(i + j) % WORDS.length]).join(' '),
      response: Array.from({ length: 8 + (i % 7) * 4 }, (_, j) => WORDS[(i * 3 + j) % WORDS.length]).join(' '),
    }))
    const pairsFile = join(dir, 'pairs.json')
    writeFileSync(pairsFile, JSON.stringify(pairs))
    for (const [name, shape] of Object.entries(SHAPES)) {
      const path = await writeTinyGguf(join(dir, `${name}.gguf`), shape)
      const settings = [
        { label: 'one at a time, 2 threads', parallel: 1, threads: 2 },
        { label: 'one at a time, 1 thread', parallel: 1, threads: 1 },
        { label: 'parallel 2 (1 thread each)', parallel: 2, threads: 2 },
        { label: 'parallel 4 (1 thread each)', parallel: 4, threads: 4 },
      ]
      const runs = settings.map(() => [] as { seconds: number; maxRssMB: number; vectors: number[] }[])
      const l0 = loadavg()[0]
      for (let r = 0; r < rounds; r++) {
        settings.forEach((s, k) => {
          runs[k].push(worker('gguf', { path, pairs: pairsFile, parallel: s.parallel, threads: s.threads }) as never)
        })
      }
      console.log(
        `\ngguf ${name} (${JSON.stringify(shape)}): ${pairs.length} pairs; median of ${rounds} interleaved rounds; load ${l0.toFixed(1)} -> ${loadavg()[0].toFixed(1)}`,
      )
      const ref = runs[1][0].vectors
      const base = runs[0]
      const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]
      settings.forEach((s, k) => {
        const seconds = med(runs[k].map((x) => x.seconds))
        const diff = Math.max(...runs[k][0].vectors.map((v, i) => Math.abs(v - ref[i])))
        const rss = Math.max(...runs[k].map((x) => x.maxRssMB))
        console.log(
          `  ${s.label.padEnd(28)} ${(pairs.length / seconds).toFixed(1).padStart(7)} pairs/s (${(med(base.map((x) => x.seconds)) / seconds).toFixed(2)}x of one at a time, 2 threads)  max abs diff vs one at a time ${diff.toExponential(1)}  ${rss.toFixed(0)} MB max RSS`,
        )
        out.push({
          case: `gguf-${name}`,
          setting: s.label,
          ...s,
          pairsPerSec: pairs.length / seconds,
          maxAbsDiff: diff,
          maxRssMB: rss,
          load1: loadavg()[0],
        })
      })
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return out
}
