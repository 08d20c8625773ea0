/**
 * One rewardfit case of `npm run bench:backbone`, in its own process so that its peak RSS is its own
 * and the orchestrator (bench/backbone.ts) can interleave it with the torch peer. Prints one JSON line.
 *
 *   featurize '{"dir", "pairs", "threads", "batchSize", "quantize", "sortByLength"}'
 *       loads the featurizer, warms up on two pairs, featurizes every pair of the pairs file once:
 *       {"seconds", "cpuSeconds", "texts", "maxRssMB", "first": [row 0, first 8 values]}
 *   session '{"dir", "threads", "rounds"}'
 *       onnxruntime session options on one [16, 128] batch, interleaved: per setting the median seconds
 *   gguf '{"path", "pairs", "parallel", "threads"}'
 *       the gguf featurizer one pair at a time (parallel 1) or several at once
 */
import { readFileSync } from 'node:fs'
import * as ort from 'onnxruntime-node'
import type { Featurizer, TextPair } from '../src/featurize/featurizer.ts'
import { createTransformerFeaturizer, transformerSessionOptions } from '../src/featurize/transformer.ts'

const [mode, json] = process.argv.slice(2)
const args = JSON.parse(json ?? '{}')

const rssMB = () => process.resourceUsage().maxRSS / 1024
const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since)
  return (c.user + c.system) / 1e6
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]

/** Featurizes every pair once (after the caller's warm-up), then disposes of `f`: the vectors and the figures printed. */
async function timedFeaturize(f: Featurizer, pairs: TextPair[]) {
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  const out = await f.featurize(pairs)
  const seconds = (performance.now() - t0) / 1000
  const cpu = cpuSeconds(c0)
  await f.dispose?.()
  return { out, figures: { seconds, cpuSeconds: cpu, texts: pairs.length, maxRssMB: rssMB() } }
}

async function featurize(): Promise<void> {
  const pairs = JSON.parse(readFileSync(args.pairs, 'utf8')) as TextPair[]
  const f = await createTransformerFeaturizer({
    type: 'onnx',
    path: args.dir,
    threads: args.threads,
    batchSize: args.batchSize ?? 16,
    quantize: args.quantize ?? 'none',
    sortByLength: args.sortByLength ?? true,
  })
  await f.featurize(pairs.slice(0, 2)) // warm-up
  const { out, figures } = await timedFeaturize(f, pairs)
  console.log(JSON.stringify({ ...figures, first: Array.from(out.subarray(0, 8)) }))
}

/** Each onnxruntime setting on the same [16, 128] batch, interleaved round by round. */
async function sessionOptions(): Promise<void> {
  const base = transformerSessionOptions(args.threads)
  const model = `${args.dir}/onnx/model.onnx`
  const optimized = `${args.dir}/onnx/model.optimized.onnx`
  const settings: Record<string, ort.InferenceSession.SessionOptions> = {
    chosen: base,
    basic: { ...base, graphOptimizationLevel: 'basic' },
    extended: { ...base, graphOptimizationLevel: 'extended' },
    noArena: { ...base, enableCpuMemArena: false },
    parallel: { ...base, executionMode: 'parallel', interOpNumThreads: args.threads },
    spinning: { ...base, extra: { session: { 'intra_op.allow_spinning': '1' } } },
    noSpinning: { ...base, extra: { session: { 'intra_op.allow_spinning': '0' } } },
  }
  // Session creation: optimizing at load vs loading a graph optimized and saved once.
  const t0 = performance.now()
  await (await ort.InferenceSession.create(model, { ...base, optimizedModelFilePath: optimized })).release()
  const createAll = (performance.now() - t0) / 1000
  const t1 = performance.now()
  await (await ort.InferenceSession.create(optimized, { ...base, graphOptimizationLevel: 'disabled' })).release()
  const createSaved = (performance.now() - t1) / 1000

  const sessions = Object.fromEntries(
    await Promise.all(
      Object.entries(settings).map(async ([k, o]) => [k, await ort.InferenceSession.create(model, o)] as const),
    ),
  )
  const [b, t] = [16, 128]
  const ids = new BigInt64Array(b * t).map((_, i) => BigInt(5 + ((i * 7919) % 30000)))
  const feeds = {
    input_ids: new ort.Tensor('int64', ids, [b, t]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(b * t).fill(1n), [b, t]),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(b * t), [b, t]),
  }
  const hidden = Number((sessions.chosen.outputMetadata?.[0] as { shape?: number[] })?.shape?.[2] ?? 384)
  const preallocated = new ort.Tensor('float32', new Float32Array(b * t * hidden), [b, t, hidden])
  const runs: Record<string, () => Promise<unknown>> = {}
  for (const [k, s] of Object.entries(sessions)) runs[k] = () => s.run(feeds, ['last_hidden_state'])
  runs.preallocatedOutput = () => sessions.chosen.run(feeds, { last_hidden_state: preallocated })
  for (const run of Object.values(runs)) await run() // warm-up
  const wall: Record<string, number[]> = {}
  const cpu: Record<string, number[]> = {}
  for (let r = 0; r < (args.rounds ?? 5); r++) {
    for (const [k, run] of Object.entries(runs)) {
      const c0 = process.cpuUsage()
      const w0 = performance.now()
      await run()
      wall[k] = [...(wall[k] ?? []), (performance.now() - w0) / 1000]
      cpu[k] = [...(cpu[k] ?? []), cpuSeconds(c0)]
    }
  }
  const rows = Object.keys(runs).map((k) => ({ setting: k, seconds: median(wall[k]), cpuSeconds: median(cpu[k]) }))
  console.log(JSON.stringify({ threads: args.threads, rows, createAll, createSaved, maxRssMB: rssMB() }))
}

async function gguf(): Promise<void> {
  const { createGgufFeaturizer } = await import('../src/featurize/gguf.ts')
  const pairs = JSON.parse(readFileSync(args.pairs, 'utf8')) as TextPair[]
  const f = await createGgufFeaturizer({
    type: 'gguf',
    path: args.path,
    gpu: 'cpu',
    threads: args.threads,
    parallel: args.parallel,
  })
  await f.featurize(pairs.slice(0, 2))
  const { out, figures } = await timedFeaturize(f, pairs)
  console.log(JSON.stringify({ ...figures, vectors: Array.from(out) }))
}

await ({ featurize, session: sessionOptions, gguf } as Record<string, () => Promise<void>>)[mode]()
