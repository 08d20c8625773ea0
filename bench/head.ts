/**
 * `npm run bench:head`: training-speed and quality of the reward heads against Debian's PyTorch
 * (and scikit-learn for exact ridge) on the same synthetic data, in the same run.
 *
 *   data   n = 65536 training rows (+ 8192 validation), d = 768, k = 5, written once as raw float32
 *          files under $TMPDIR/rewardfit-bench-head that both sides read (bench/peers/head_peer.py)
 *   cases  linear head + Adam, batch 256: seconds per epoch; MLP 768→256→5 (GELU): seconds per epoch;
 *          both with lr 1e-3 decayed to 0 by a cosine over the run (so the final MSE is not SGD noise);
 *          final validation MSE of each against the peer's; exact ridge vs sklearn Ridge
 *
 * The peer is probed with torch.set_num_threads(1) and (2); the faster runs in full and is compared. Ratios are
 * rewardfit / torch: below 1 is faster. The machine's 2 cores are shared, so figures are noisy.
 *
 * @example
 *   npm run bench:head                       # all cases
 *   BENCH_CASES=linear,ridge npm run bench:head
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gemm } from '../src/compute/matmul.ts'
import { type Matrix, matrix } from '../src/compute/matrix.ts'
import { Rng } from '../src/compute/rng.ts'
import { matrixSource } from '../src/core/batch-source.ts'
import { accumulateRidge, fitRidge } from '../src/fit/ridge.ts'
import type { TrainOptions } from '../src/train/options.ts'
import { train } from '../src/train/train.ts'
import { loadLine, peerEnv, writeBenchOut } from './bench-out.ts'
import { BENCH_ADAMW, fmt, medianEpochSeconds, peerMatchedAdamW } from './epoch-timing.ts'

const N = 65536
const N_VAL = 8192
const D = 768
const K = 5
const HYPER = {
  ...BENCH_ADAMW,
  hidden: [256],
  activation: 'gelu' as const,
  dropout: 0,
  ridgeAlpha: 10,
  /** The α grid of the ridge-grid case (absolute, as sklearn takes them). */
  ridgeGrid: Array.from({ length: 15 }, (_, i) => 10 ** (-2 + i / 2)),
}
const EPOCHS = { linear: 4, mlp: 3 }
const DATA_DIR = join(tmpdir(), 'rewardfit-bench-head')
const PEER = join(dirname(fileURLToPath(import.meta.url)), 'peers', 'head_peer.py')

interface Split {
  x: Matrix
  y: Float32Array
}

/** y_a = 3 + X·w_a/√d + ½·tanh(X·A/√d)·c_a + 0.3·noise: a linear part and a part only an MLP gets. */
async function makeData(): Promise<{ train: Split; val: Split }> {
  const meta = { trainRows: N, valRows: N_VAL, dim: D, attributes: K, hyper: HYPER, version: 1 }
  const metaPath = join(DATA_DIR, 'meta.json')
  if (existsSync(metaPath) && readFileSync(metaPath, 'utf8') === JSON.stringify(meta)) return readData()
  mkdirSync(DATA_DIR, { recursive: true })
  const rng = new Rng(12345)
  const normals = (n: number) => Float32Array.from({ length: n }, () => rng.normal())
  const w = matrix(D, K, normals(D * K))
  const a = matrix(D, 32, normals(D * 32))
  const c = normals(32 * K)
  for (const [name, rows] of [
    ['train', N],
    ['val', N_VAL],
  ] as const) {
    const x = matrix(rows, D, normals(rows * D))
    const lin = await gemm(x, w)
    const hid = await gemm(x, a)
    const y = new Float32Array(rows * K)
    for (let i = 0; i < rows; i++) {
      for (let k = 0; k < K; k++) {
        let s = 0
        for (let j = 0; j < 32; j++) s += Math.tanh(hid.data[i * 32 + j] / Math.sqrt(D)) * c[j * K + k]
        y[i * K + k] = 3 + lin.data[i * K + k] / Math.sqrt(D) + 0.5 * s + 0.3 * rng.normal()
      }
    }
    writeFileSync(join(DATA_DIR, `${name}-x.bin`), x.data)
    writeFileSync(join(DATA_DIR, `${name}-y.bin`), y)
  }
  writeFileSync(metaPath, JSON.stringify(meta))
  return readData()
}

function readData(): { train: Split; val: Split } {
  const f32 = (name: string) => {
    const b = readFileSync(join(DATA_DIR, name))
    return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4)
  }
  return {
    train: { x: matrix(N, D, f32('train-x.bin')), y: f32('train-y.bin') },
    val: { x: matrix(N_VAL, D, f32('val-x.bin')), y: f32('val-y.bin') },
  }
}

interface Figures {
  seconds: number[]
  valMse: number
  threads?: number
  [k: string]: unknown
}

function peer(kase: string, threads: number, epochs: number, probeSteps = 0): Figures {
  const env = peerEnv({
    OMP_NUM_THREADS: `${threads}`,
    OPENBLAS_NUM_THREADS: `${threads}`,
    MKL_NUM_THREADS: `${threads}`,
  })
  const r = spawnSync('/usr/bin/python3', [PEER, DATA_DIR, kase, `${threads}`, `${epochs}`, `${probeSteps}`], {
    encoding: 'utf8',
    env,
  })
  if (r.status !== 0) throw new Error(`peer ${kase} failed: ${r.stderr}`)
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!)
}

/**
 * torch with 1 and 2 threads: a 40-step probe of each picks the faster (two threads can be many
 * times slower on a loaded machine, and a full run of them would take minutes), then a full run.
 */
function bestPeer(kase: string, epochs: number): Figures {
  const probes = [1, 2].map((t) => peer(kase, t, 1, 40))
  for (const r of probes) console.log(`  torch ${r.threads} thread(s), 40-step probe: ~${fmt(r.seconds[0])} s/epoch`)
  const threads = probes.reduce((a, b) => (b.seconds[0] < a.seconds[0] ? b : a)).threads!
  const full = peer(kase, threads, epochs)
  console.log(
    `  torch ${threads} thread(s): ${full.seconds.map(fmt).join(', ')} s per epoch; val MSE ${full.valMse.toFixed(5)}`,
  )
  return full
}

const perEpoch = (f: Figures) => medianEpochSeconds(f.seconds)

async function tsTrain(data: { train: Split; val: Split }, kase: 'linear' | 'mlp'): Promise<Figures> {
  const o: TrainOptions = {
    head: kase,
    hidden: HYPER.hidden,
    activation: HYPER.activation,
    dropout: HYPER.dropout,
    ...peerMatchedAdamW(HYPER, EPOCHS[kase]),
  }
  const res = await train(
    { train: matrixSource(data.train.x, data.train.y, K), val: matrixSource(data.val.x, data.val.y, K) },
    o,
  )
  return { seconds: res.history.map((h) => h.seconds), valMse: res.history.at(-1)!.valMse! }
}

const results: Record<string, unknown>[] = []
function report(name: string, ours: number, theirs: number, unit: string, extra: Record<string, unknown> = {}): void {
  const ratio = ours / theirs
  const peerName = name.startsWith('ridge') ? 'sklearn' : 'torch'
  const v = (x: number) => (unit ? `${fmt(x)} ${unit}` : x.toFixed(5))
  console.log(`${name}: rewardfit ${v(ours)}, ${peerName} ${v(theirs)}, ratio ${ratio.toFixed(3)}; ${loadLine()}`)
  results.push({ name, rewardfit: ours, peer: theirs, peerName, unit, ratio, loadAverage: loadavg(), ...extra })
}

async function main(): Promise<void> {
  const cases = (process.env.BENCH_CASES ?? 'linear,mlp,ridge,ridge-grid').split(',')
  const t0 = performance.now()
  const data = await makeData()
  console.log(
    `data: ${N} x ${D} (+${N_VAL} validation), k = ${K}, in ${DATA_DIR} (${fmt((performance.now() - t0) / 1000)} s)`,
  )
  for (const kase of ['linear', 'mlp'] as const) {
    if (!cases.includes(kase)) continue
    console.log(
      `\n== ${kase} head, AdamW (weight decay ${HYPER.weightDecay}), lr ${HYPER.lr} cosine to 0, batch ${HYPER.batchSize}, ${EPOCHS[kase]} epochs`,
    )
    const ours = await tsTrain(data, kase)
    console.log(`  rewardfit: ${ours.seconds.map(fmt).join(', ')} s per epoch; val MSE ${ours.valMse.toFixed(5)}`)
    const theirs = bestPeer(kase, EPOCHS[kase])
    const extra: Record<string, unknown> = { peerThreads: theirs.threads }
    if (kase === 'linear') Object.assign(extra, await bandwidthLimit(data.train.x, perEpoch(ours)))
    report(`${kase} s/epoch`, perEpoch(ours), perEpoch(theirs), 's', extra)
    report(`${kase} val MSE`, ours.valMse, theirs.valMse, '')
  }
  if (cases.includes('ridge')) await ridgeCase(data)
  if (cases.includes('ridge-grid')) await ridgeGridCase(data)
  writeBenchOut('head', results)
}

/**
 * The linear head's floor: an epoch must read X at least twice (the forward product and the
 * weight gradient), so its time is bounded by 2 × (one streaming pass over X). A pass is timed as
 * the best of 7 onnxruntime products X·v (memory-bound: one multiply-add per 4 bytes read).
 */
async function bandwidthLimit(x: Matrix, epoch: number): Promise<Record<string, number>> {
  const v = matrix(x.cols, 1, new Float32Array(x.cols).fill(1))
  let pass = Number.POSITIVE_INFINITY
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now()
    await gemm(x, v)
    pass = Math.min(pass, (performance.now() - t0) / 1000)
  }
  const gbPerS = (x.rows * x.cols * 4) / pass / 1e9
  const limit = 2 * pass
  console.log(
    `  memory-bandwidth floor: one pass over X (${((x.rows * x.cols * 4) / 1e6).toFixed(0)} MB) ${fmt(pass)} s = ${gbPerS.toFixed(1)} GB/s; two passes ${fmt(limit)} s; the epoch takes ${(epoch / limit).toFixed(2)}x that`,
  )
  return { bandwidthGBs: gbPerS, bandwidthFloorSeconds: limit, timesFloor: epoch / limit }
}

/** BENCH_REPEAT rounds, each running rewardfit then the peer (interleaved); the best of each side is compared. */
const REPEAT = Math.max(1, Number(process.env.BENCH_REPEAT ?? 1))

async function ridgeCase(data: { train: Split; val: Split }): Promise<void> {
  console.log(`\n== exact ridge (alpha ${HYPER.ridgeAlpha}) vs sklearn Ridge, ${REPEAT} interleaved round(s)`)
  let ours = Number.POSITIVE_INFINITY
  let theirs: Figures | null = null
  let fit: Awaited<ReturnType<typeof fitRidge>> | null = null
  for (let r = 0; r < REPEAT; r++) {
    const t0 = performance.now()
    const acc = await accumulateRidge(matrixSource(data.train.x, data.train.y, K))
    fit = await fitRidge(acc, { alpha: HYPER.ridgeAlpha })
    const s = (performance.now() - t0) / 1000
    ours = Math.min(ours, s)
    const runs = [1, 2].map((t) => peer('ridge', t, 1))
    console.log(
      `  round ${r + 1}: rewardfit ${fmt(s)} s; sklearn ${runs.map((p) => `${p.threads} thread(s) ${fmt(p.seconds[0])} s`).join(', ')}; ${loadLine()}`,
    )
    for (const p of runs) if (!theirs || p.seconds[0] < theirs.seconds[0]) theirs = p
  }
  const best = theirs as Figures
  console.log(`  sklearn vs numpy float64 solve: max |ΔW| ${best.sklearnVsNumpyMaxAbs}`)
  const ref = readFileSync(join(DATA_DIR, 'ridge-numpy-weight.bin'))
  const refW = new Float32Array(ref.buffer, ref.byteOffset, ref.byteLength / 4)
  const w = (fit as NonNullable<typeof fit>).params['linear.weight'].data
  if (refW.length !== w.length) throw new Error(`numpy weights have ${refW.length} values, rewardfit ${w.length}`)
  let maxAbs = 0
  let maxW = 0
  for (let i = 0; i < w.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(w[i] - refW[i]))
    maxW = Math.max(maxW, Math.abs(refW[i]))
  }
  console.log(
    `  rewardfit best ${fmt(ours)} s (solver ${fit?.solverUsed}); max |W - numpy float64 solve| = ${maxAbs.toExponential(2)} (max |W| ${maxW.toFixed(4)}; target 1e-4)`,
  )
  report('ridge fit s', ours, best.seconds[0], 's', {
    maxAbsVsNumpy: maxAbs,
    sklearnVsNumpyMaxAbs: best.sklearnVsNumpyMaxAbs,
    peerThreads: best.threads,
    rounds: REPEAT,
  })
}

/** α chosen on validation L_rating from a 15-point grid: rewardfit's default way to fit ridge. */
async function ridgeGridCase(data: { train: Split; val: Split }): Promise<void> {
  console.log(
    `\n== exact ridge, alpha chosen on validation from ${HYPER.ridgeGrid.length} values vs sklearn, ${REPEAT} interleaved round(s)`,
  )
  let ours = Number.POSITIVE_INFINITY
  let theirs: Figures | null = null
  for (let r = 0; r < REPEAT; r++) {
    const t0 = performance.now()
    const acc = await accumulateRidge(matrixSource(data.train.x, data.train.y, K))
    const val = await accumulateRidge(matrixSource(data.val.x, data.val.y, K))
    const fit = await fitRidge(acc, { alphas: HYPER.ridgeGrid, validation: val })
    const s = (performance.now() - t0) / 1000
    ours = Math.min(ours, s)
    const runs = [1, 2].map((t) => peer('ridge-grid', t, 1))
    const p = runs.reduce((a, b) => (b.seconds[0] < a.seconds[0] ? b : a))
    console.log(
      `  round ${r + 1}: rewardfit ${fmt(s)} s (solver ${fit.solverUsed}, alphas ${fit.alphas.map((a) => fmt(a)).join(', ')}); sklearn Ridge loop ${fmt(p.loopSeconds as number)} s (alpha ${p.alpha}), RidgeCV ${fmt(p.ridgeCvSeconds as number)} s; ${loadLine()}`,
    )
    if (!theirs || p.seconds[0] < theirs.seconds[0]) theirs = p
  }
  const best = theirs as Figures
  report('ridge grid fit s', ours, best.seconds[0], 's', {
    peerThreads: best.threads,
    loopSeconds: best.loopSeconds,
    ridgeCvSeconds: best.ridgeCvSeconds,
    rounds: REPEAT,
  })
}

await main()
