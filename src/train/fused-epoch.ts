/**
 * A whole training epoch as ONE onnxruntime graph: a Loop over the epoch's mini-batches whose body
 * gathers the batch, runs the head forward, the objective's gradient (its piece of graph, from
 * src/objectives), the exact backward pass, optional global-norm clipping and the AdamW update. It computes what the plain path (train.ts
 * runEpoch: head.forward / backward, clipGradNorm, AdamW.step) computes, in float32 throughout
 * instead of float64 scalar arithmetic, so the two agree to rounding (fused-epoch.test.ts).
 *
 * Why: a step of the linear head is ~1 M multiply-adds; per-call costs (a JS gather copy, three
 * onnxruntime calls, loss and optimizer loops) dominate it. One call per epoch removes them all.
 *
 *     per step s:  x = X[rows of idx[s]],  z = labels[idx[s]]      (labels as the objective prepares them)
 *                  r = head(x);  G = ∂(-L)/∂r from the objective's piece
 *                  grads by backprop;  clip;  AdamW with (lr/(1-β₁ᵗ), √(1-β₂ᵗ), 1 - lr·λ) from sched[s]
 *
 * Supports heads that are stacks of affine layers (linear, MLP with dropout) trained by AdamW on
 * in-memory data, for objectives with a graph piece (canFuse); anything else takes the plain path.
 *
 * @example
 *   if (canFuse(o, objective, source)) await fusedEpoch({ head, objective, opt, x, y, labels, order, ... })
 */
import type { Matrix } from '../compute/matrix.ts'
import {
  DType,
  encodeModel,
  type GraphSpec,
  type Initializer,
  type NodeSpec,
  node,
  tensorInfo,
} from '../compute/onnx-proto.ts'
import type { Rng } from '../compute/rng.ts'
import { computeThreads, ort } from '../compute/session.ts'
import type { BatchSource } from '../core/batch-source.ts'
import type { TargetStats } from '../core/targets.ts'
import type { Head } from '../heads/head.ts'
import { headLayers } from '../heads/registry.ts'
import type { FusedObjective, Objective } from '../objectives/objective.ts'
import type { Optimizer } from '../optim/optimizer.ts'
import { learningRate, type Schedule } from '../optim/schedule.ts'
import type { ResolvedTrainOptions } from './options.ts'

/** The fused path covers AdamW on an in-memory source for objectives with a graph piece; the plain path does the rest. */
export function canFuse(o: ResolvedTrainOptions, objective: Objective, source: BatchSource): boolean {
  return o.optimizer === 'adamw' && source.inMemory !== undefined && objective.fused !== null
}

interface GraphShape {
  /** Layer widths [d, ...hidden, k]. */
  widths: number[]
  activation: 'gelu' | 'relu'
  /** Inverted dropout on hidden activations; the keep masks are inputs drawn from the run's Rng. */
  dropout: number
  clip: boolean
  /** Weight decay on: θ·(1 - lr·λ) before the Adam step (an op per parameter saved when off). */
  decay: boolean
  betas: [number, number]
  eps: number
  /** Feature rows per example (a pair: 2); idx holds examples. */
  rowsPerExample: number
  /** Label values per example. */
  labelWidth: number
}

const f32 = (name: string, v: number): Initializer => ({ name, dtype: DType.float, dims: [], data: Float32Array.of(v) })
const i64 = (name: string, v: number[], dims: number[] = []): Initializer => ({
  name,
  dtype: DType.int64,
  dims,
  data: BigInt64Array.from(v.map(BigInt)),
})

/** Builds the epoch graph. Parameter order: W0, b0, W1, b1, … (PyTorch layout, W [out, in]). */
export function buildEpochGraph(g: GraphShape, objective: FusedObjective, stats: TargetStats[]): GraphSpec {
  const L = g.widths.length - 1
  const pNames = Array.from({ length: L }, (_, l) => [`W${l}`, `b${l}`]).flat()
  const pShapes = Array.from({ length: L }, (_, l) => [[g.widths[l + 1], g.widths[l]], [g.widths[l + 1]]]).flat()
  const body: NodeSpec[] = []
  const n = (op: string, ins: string[], outs: string[], attrs?: NodeSpec['attrs']) =>
    body.push(node(op, ins, outs, attrs))

  // The batch and this step's optimizer scalars.
  n('Gather', ['idx', 'it'], ['ib'], { axis: { int: 0 } })
  n('Gather', ['labels', 'ib'], ['zt'], { axis: { int: 0 } })
  if (g.rowsPerExample === 1) n('Gather', ['X', 'ib'], ['a0'], { axis: { int: 0 } })
  else {
    // Example e owns rows e·R .. e·R + R-1 of X: gather [B, R] row indices, flattened in that order.
    n('Mul', ['ib', 'rpe'], ['rb'])
    n('Unsqueeze', ['rb', 'axes1'], ['rb1'])
    n('Add', ['rb1', 'rowOffsets'], ['rows2'])
    n('Reshape', ['rows2', 'flat'], ['rows'])
    n('Gather', ['X', 'rows'], ['a0'], { axis: { int: 0 } })
  }
  n('Gather', ['sched', 'it'], ['sc'], { axis: { int: 0 } })
  n('Gather', ['sc', 'c0'], ['stepSize'], { axis: { int: 0 } })
  n('Gather', ['sc', 'c1'], ['bc2s'], { axis: { int: 0 } })
  if (g.decay) n('Gather', ['sc', 'c2'], ['decay'], { axis: { int: 0 } })

  // Forward: y_l = a_l·W_lᵀ + b_l; a_{l+1} = act(y_l) for hidden layers.
  for (let l = 0; l < L; l++) {
    n('Gemm', [`a${l}`, `W${l}_in`, `b${l}_in`], [`y${l}`], { transB: { int: 1 } })
    if (l === L - 1) break
    // With dropout the activation goes to h_l and a_{l+1} = h_l ⊙ keep_l/(1-p).
    const act = g.dropout > 0 ? `h${l}` : `a${l + 1}`
    if (g.activation === 'relu') n('Relu', [`y${l}`], [act])
    else {
      n('Mul', [`y${l}`, 'invSqrt2'], [`u${l}`])
      n('Erf', [`u${l}`], [`e${l}`])
      n('Add', [`e${l}`, 'one'], [`ep${l}`])
      n('Mul', [`ep${l}`, 'half'], [`Phi${l}`]) // Φ(y)
      n('Mul', [`y${l}`, `Phi${l}`], [act])
    }
    if (g.dropout > 0) {
      n('Gather', [`keep${l}`, 'it'], [`kb${l}`], { axis: { int: 0 } })
      n('Cast', [`kb${l}`], [`kf${l}`], { to: { int: DType.float } })
      n('Mul', [`kf${l}`, 'dropScale'], [`mk${l}`])
      n('Mul', [act, `mk${l}`], [`a${l + 1}`])
    }
  }
  const r = `y${L - 1}`

  // The objective: G = ∂(-L)/∂r, and the step's summed value and count for the train value.
  objective.nodes((spec) => body.push(spec), { out: r, labels: 'zt', grad: `G${L - 1}`, sum: 'lossSum', count: 'cnt' })
  const objectiveInputs = objective.inputs(stats).map((i) => i.info)

  // Backward.
  for (let l = L - 1; l >= 0; l--) {
    n('Gemm', [`G${l}`, `a${l}`], [`gW${l}`], { transA: { int: 1 } })
    n('ReduceSum', [`G${l}`, 'axes0'], [`gb${l}`], { keepdims: { int: 0 } })
    if (l === 0) break
    n('MatMul', [`G${l}`, `W${l}_in`], [`dA${l}`])
    const y = `y${l - 1}`
    if (g.activation === 'relu') {
      n('Greater', [y, 'zero'], [`pos${l}`])
      n('Cast', [`pos${l}`], [`dact${l}`], { to: { int: DType.float } })
    } else {
      // GELU'(y) = Φ(y) + y·φ(y)
      n('Mul', [y, y], [`yy${l}`])
      n('Mul', [`yy${l}`, 'negHalf'], [`ex${l}`])
      n('Exp', [`ex${l}`], [`pe${l}`])
      n('Mul', [`pe${l}`, 'invSqrt2Pi'], [`pdf${l}`])
      n('Mul', [y, `pdf${l}`], [`ypdf${l}`])
      n('Add', [`Phi${l - 1}`, `ypdf${l}`], [`dact${l}`])
    }
    if (g.dropout > 0) {
      n('Mul', [`dA${l}`, `mk${l - 1}`], [`dAm${l}`])
      n('Mul', [`dAm${l}`, `dact${l}`], [`G${l - 1}`])
    } else n('Mul', [`dA${l}`, `dact${l}`], [`G${l - 1}`])
  }
  let grad = (p: string) => `g${p}`

  if (g.clip) {
    // clip_grad_norm_: scale by min(1, maxNorm / (‖g‖ + 1e-6)).
    const parts = pNames.map((p) => {
      n('Mul', [grad(p), grad(p)], [`${p}_gg`])
      n('ReduceSum', [`${p}_gg`], [`${p}_ss`], { keepdims: { int: 0 } })
      return `${p}_ss`
    })
    n('Sum', parts, ['normSq'])
    n('Sqrt', ['normSq'], ['norm'])
    n('Add', ['norm', 'tiny'], ['normEps'])
    n('Div', ['clip', 'normEps'], ['coefRaw'])
    n('Min', ['coefRaw', 'one'], ['coef'])
    for (const p of pNames) n('Mul', [grad(p), 'coef'], [`${p}_clipped`])
    grad = (p: string) => `${p}_clipped`
  }

  // AdamW, torch semantics: θ·(1 - lr·λ) - (lr/(1-β₁ᵗ))·m / (√v/√(1-β₂ᵗ) + ε).
  for (const p of pNames) {
    const gname = grad(p)
    n('Mul', [`m${p}_in`, 'b1'], [`${p}_m1`])
    n('Mul', [gname, 'omb1'], [`${p}_m2`])
    n('Add', [`${p}_m1`, `${p}_m2`], [`m${p}_out`])
    n('Mul', [`v${p}_in`, 'b2'], [`${p}_v1`])
    n('Mul', [gname, gname], [`${p}_g2`])
    n('Mul', [`${p}_g2`, 'omb2'], [`${p}_v2`])
    n('Add', [`${p}_v1`, `${p}_v2`], [`v${p}_out`])
    n('Sqrt', [`v${p}_out`], [`${p}_sv`])
    n('Div', [`${p}_sv`, 'bc2s'], [`${p}_svb`])
    n('Add', [`${p}_svb`, 'eps'], [`${p}_den`])
    n('Div', [`m${p}_out`, `${p}_den`], [`${p}_q`])
    n('Mul', [`${p}_q`, 'stepSize'], [`${p}_upd`])
    if (g.decay) {
      n('Mul', [`${p}_in`, 'decay'], [`${p}_dec`])
      n('Sub', [`${p}_dec`, `${p}_upd`], [`${p}_out`])
    } else n('Sub', [`${p}_in`, `${p}_upd`], [`${p}_out`])
  }
  n('Identity', ['cin'], ['cout'])

  const F = DType.float
  const carried = (suffix: string) =>
    pNames.flatMap((p, i) => [
      tensorInfo(`${p}${suffix}`, F, pShapes[i]),
      tensorInfo(`m${p}${suffix}`, F, pShapes[i]),
      tensorInfo(`v${p}${suffix}`, F, pShapes[i]),
    ])
  const bodyGraph: GraphSpec = {
    name: 'step',
    nodes: body,
    inputs: [tensorInfo('it', DType.int64, []), tensorInfo('cin', DType.bool, []), ...carried('_in')],
    outputs: [
      tensorInfo('cout', DType.bool, []),
      ...carried('_out'),
      tensorInfo('lossSum', F, []),
      tensorInfo('cnt', F, []),
    ],
  }
  const outerCarried = pNames.flatMap((p) => [`${p}`, `m${p}`, `v${p}`])
  const used = new Set(body.flatMap((b) => b.inputs))
  const graph: GraphSpec = {
    nodes: [
      node(
        'Loop',
        ['trip', 'cond', ...outerCarried.map((c) => `${c}_0`)],
        [...outerCarried.map((c) => `${c}_final`), 'losses', 'counts'],
        { body: bodyGraph },
      ),
    ],
    inputs: [
      tensorInfo('X', F, ['n', g.widths[0]]),
      tensorInfo('labels', F, ['examples', g.labelWidth]),
      tensorInfo('idx', DType.int32, ['steps', 'batch']),
      tensorInfo('sched', F, ['steps', 3]),
      ...objectiveInputs,
      tensorInfo('clip', F, []),
      tensorInfo('trip', DType.int64, []),
      tensorInfo('cond', DType.bool, []),
      ...(g.dropout > 0
        ? Array.from({ length: L - 1 }, (_, l) =>
            tensorInfo(`keep${l}`, DType.bool, ['steps', 'batch', g.widths[l + 1]]),
          )
        : []),
      ...pNames.flatMap((p, i) => [
        tensorInfo(`${p}_0`, F, pShapes[i]),
        tensorInfo(`m${p}_0`, F, pShapes[i]),
        tensorInfo(`v${p}_0`, F, pShapes[i]),
      ]),
    ],
    outputs: [
      ...pNames.flatMap((p, i) => [
        tensorInfo(`${p}_final`, F, pShapes[i]),
        tensorInfo(`m${p}_final`, F, pShapes[i]),
        tensorInfo(`v${p}_final`, F, pShapes[i]),
      ]),
      tensorInfo('losses', F, ['steps']),
      tensorInfo('counts', F, ['steps']),
    ],
    initializers: [
      f32('zero', 0),
      f32('one', 1),
      f32('half', 0.5),
      f32('negHalf', -0.5),
      f32('invSqrt2', Math.SQRT1_2),
      f32('invSqrt2Pi', 1 / Math.sqrt(2 * Math.PI)),
      f32('tiny', 1e-6),
      f32('b1', g.betas[0]),
      f32('omb1', 1 - g.betas[0]),
      f32('b2', g.betas[1]),
      f32('omb2', 1 - g.betas[1]),
      f32('eps', g.eps),
      f32('dropScale', 1 / (1 - g.dropout)),
      i64('c0', [0]),
      i64('c1', [1]),
      i64('c2', [2]),
      i64('axes0', [0], [1]),
      i64('axes1', [1], [1]),
      i64('flat', [-1], [1]),
      { name: 'rpe', dtype: DType.int32, dims: [], data: Int32Array.of(g.rowsPerExample) },
      {
        name: 'rowOffsets',
        dtype: DType.int32,
        dims: [1, g.rowsPerExample],
        data: Int32Array.from({ length: g.rowsPerExample }, (_, j) => j),
      },
      ...objective.constants,
    ],
  }
  // Only the constants this variant uses (onnxruntime warns about the others).
  graph.initializers = graph.initializers!.filter((t) => used.has(t.name))
  return graph
}

export interface FusedEpochArgs {
  head: Head
  /** The objective; its `fused` piece computes the gradient inside the graph. */
  objective: Objective
  /** An AdamW optimizer; its state is read before and written back after the epoch. */
  opt: Optimizer
  /** Feature rows of all examples, rowsPerExample per example. */
  x: Matrix
  /** Raw labels of all examples, and the same as the objective's piece reads them (fused.labels). */
  y: Float32Array
  labels: Float32Array
  /** The objective's statistics of the training split. */
  stats: TargetStats[]
  /** The epoch's example order. */
  order: Uint32Array
  /** Optimizer steps taken before this epoch (the schedule's position). */
  step0: number
  schedule: Schedule
  o: ResolvedTrainOptions
  /** The run's Rng; draws the dropout masks. */
  rng: Rng
}

/**
 * Runs one epoch; updates head.params in place and the optimizer state. Returns the epoch's train
 * value (the objective's reported scale), the last lr and the steps taken, or null when the graph
 * cannot run it: some batch has no label (the plain path skips such a batch), or the head is not a
 * stack of affine layers. The caller then runs the plain path instead.
 */
export async function fusedEpoch(a: FusedEpochArgs): Promise<{ trainValue: number; lr: number; steps: number } | null> {
  const { head, x, order, o, objective } = a
  const piece = objective.fused
  const layers = headLayers(head.spec)
  if (piece === null || layers === null) return null
  const R = objective.rowsPerExample
  const n = order.length
  const labelWidth = a.labels.length / n
  const B = o.batchSize
  const steps = Math.ceil(n / B)
  for (let s = 0; s < steps; s++) {
    if (!batchHasLabel(objective, a.y, a.stats, order, s * B, Math.min(n, s * B + B))) return null
  }
  const shape: GraphShape = {
    ...layers,
    clip: o.clipNorm > 0,
    decay: o.weightDecay > 0,
    betas: o.betas,
    eps: o.eps,
    rowsPerExample: R,
    labelWidth,
  }
  const widths = layers.widths
  const session = await epochSession(shape, o.batchSize * R, piece, objective.spec, a.stats)
  const names = Array.from({ length: widths.length - 1 }, (_, l) => [`W${l}`, `b${l}`]).flat()
  const paramKeys = Object.keys(head.params) // paramShapes order: weight, bias per layer, as names
  const state = a.opt.state()
  const buf = (kind: string, key: string, len: number) => state.buffers[`${kind}/${key}`] ?? new Float32Array(len)

  const T = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims)
  const carried: Record<string, ort.Tensor> = {}
  names.forEach((p, i) => {
    const t = head.params[paramKeys[i]]
    carried[`${p}_0`] = T(t.data, t.shape)
    carried[`m${p}_0`] = T(buf('exp_avg', paramKeys[i], t.data.length), t.shape)
    carried[`v${p}_0`] = T(buf('exp_avg_sq', paramKeys[i], t.data.length), t.shape)
  })
  const objectiveInputs = Object.fromEntries(
    piece.inputs(a.stats).map((i) => [i.info.name, T(i.data, i.info.shape as number[])]),
  )
  const [b1, b2] = o.betas
  // Full batches in one Loop call; a partial last batch in a second call of the same graph.
  const full = Math.floor(n / B)
  const runs: [number, number, number][] = [] // [first step, steps, rows per step]
  if (full > 0) runs.push([0, full, B])
  if (n > full * B) runs.push([full, 1, n - full * B])
  let lossSum = 0
  let count = 0
  let t = state.step
  let lr = 0
  for (const [first, count_, rows] of runs) {
    const idx = new Int32Array(count_ * rows)
    for (let i = 0; i < idx.length; i++) idx[i] = order[first * B + i]
    const sched = new Float32Array(count_ * 3)
    for (let s = 0; s < count_; s++) {
      lr = learningRate(a.schedule, a.step0 + first + s)
      t++
      sched[s * 3] = lr / (1 - b1 ** t)
      sched[s * 3 + 1] = Math.sqrt(1 - b2 ** t)
      sched[s * 3 + 2] = 1 - lr * o.weightDecay
    }
    const res = await session.run({
      X: T(x.data, [x.rows, x.cols]),
      labels: T(a.labels, [n, labelWidth]),
      idx: new ort.Tensor('int32', idx, [count_, rows]),
      sched: T(sched, [count_, 3]),
      ...objectiveInputs,
      clip: T(Float32Array.of(o.clipNorm), []),
      ...dropoutMasks(a.rng, shape, count_, rows * R),
      trip: new ort.Tensor('int64', BigInt64Array.of(BigInt(count_)), []),
      cond: new ort.Tensor('bool', Uint8Array.of(1), []),
      ...carried,
    })
    names.forEach((p) => {
      carried[`${p}_0`] = res[`${p}_final`]
      carried[`m${p}_0`] = res[`m${p}_final`]
      carried[`v${p}_0`] = res[`v${p}_final`]
    })
    const ls = res.losses.data as Float32Array
    const cs = res.counts.data as Float32Array
    for (let s = 0; s < count_; s++) {
      lossSum += ls[s]
      count += cs[s]
    }
  }
  const buffers: Record<string, Float32Array> = {}
  names.forEach((p, i) => {
    head.params[paramKeys[i]].data.set(carried[`${p}_0`].data as Float32Array)
    buffers[`exp_avg/${paramKeys[i]}`] = Float32Array.from(carried[`m${p}_0`].data as Float32Array)
    buffers[`exp_avg_sq/${paramKeys[i]}`] = Float32Array.from(carried[`v${p}_0`].data as Float32Array)
  })
  a.opt.load({ step: t, buffers })
  return { trainValue: piece.value(lossSum, count), lr, steps }
}

/**
 * Keep masks for `steps` batches of `rows`, drawn in exactly the order the plain path draws them
 * (per step, per hidden layer, row-major), so both paths see the same dropout for a seed.
 */
function dropoutMasks(rng: Rng, g: GraphShape, steps: number, rows: number): Record<string, ort.Tensor> {
  if (g.dropout === 0) return {}
  const hidden = g.widths.slice(1, -1)
  const masks = hidden.map((h) => new Uint8Array(steps * rows * h))
  for (let s = 0; s < steps; s++) {
    hidden.forEach((h, l) => {
      const m = masks[l]
      for (let i = s * rows * h, end = i + rows * h; i < end; i++) m[i] = rng.float() < g.dropout ? 0 : 1
    })
  }
  return Object.fromEntries(masks.map((m, l) => [`keep${l}`, new ort.Tensor('bool', m, [steps, rows, hidden[l]])]))
}

const sessions = new Map<string, Promise<ort.InferenceSession>>()

/**
 * Below this many multiply-adds per step one thread is faster: measured on 2 busy cores, the linear
 * head (1 M per step) took 0.35 s per epoch on one thread and 0.6 s on two. Above it (the MLP,
 * 50 M per step) all cores are used, with spinning off: spinning worker threads took 11 s per
 * MLP epoch on a loaded machine against 3.5-4 s without, as fast as one thread there.
 */
export const FUSED_PARALLEL_MIN_MACS = 16e6

function epochSession(
  shape: GraphShape,
  rowsPerStep: number,
  piece: FusedObjective,
  objectiveSpec: Record<string, unknown>,
  stats: TargetStats[],
): Promise<ort.InferenceSession> {
  let macs = 0
  for (let l = 0; l + 1 < shape.widths.length; l++) macs += rowsPerStep * shape.widths[l] * shape.widths[l + 1]
  const threads = macs < FUSED_PARALLEL_MIN_MACS ? 1 : computeThreads()
  // The graph depends on the objective's options (its nodes), not on the statistics (inputs).
  const key = `${JSON.stringify(shape)}:${JSON.stringify(objectiveSpec)}:${threads}`
  let s = sessions.get(key)
  if (!s) {
    s = ort.InferenceSession.create(encodeModel(buildEpochGraph(shape, piece, stats)), {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      extra: threads > 1 ? { session: { intra_op: { allow_spinning: '0' } } } : {},
    })
    sessions.set(key, s)
  }
  return s
}

function batchHasLabel(
  objective: Objective,
  y: Float32Array,
  stats: TargetStats[],
  order: Uint32Array,
  start: number,
  end: number,
): boolean {
  for (let i = start; i < end; i++) if (objective.labelled(y, order[i], stats)) return true
  return false
}
