/**
 * Fits a reward head by MAXIMIZING an objective (src/objectives: L_rating by default) with
 * mini-batch AdamW or SGD. The objective says what the head learns (for L_rating: standardized
 * targets, per attribute, fitted on the training split) and how validation is measured; early
 * stopping on the objective's validation value restores the best weights.
 *
 * The sign: an objective returns ∂L/∂out; optimizers minimize, so the head's backward gets
 * -∂L/∂out and the update descends on -L, i.e. ascends L.
 *
 * @example
 *   const res = await train({ train: matrixSource(x, y, 5), val: matrixSource(xv, yv, 5) }, { head: 'mlp', epochs: 10 })
 *   res.bestValue        // -0.52  (validation L_rating: ≤ 0, higher is better)
 *   res.targetStats      // [{ mean, std }, ...]: score_a = mean_a + std_a · out_a
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { Rng } from '../compute/rng.ts'
import type { BatchSource } from '../core/batch-source.ts'
import type { TargetStats } from '../core/targets.ts'
import type { ParamSet } from '../core/tensor.ts'
import { OptionError, RewardfitError } from '../errors.ts'
import type { Head } from '../heads/head.ts'
import { createHead, type HeadSpec, headFromParams, headSpecFromOptions } from '../heads/registry.ts'
import type { Objective } from '../objectives/objective.ts'
import { createObjective } from '../objectives/registry.ts'
import { clipGradNorm } from '../optim/clip.ts'
import { createOptimizer } from '../optim/create-optimizer.ts'
import type { Optimizer } from '../optim/optimizer.ts'
import { learningRate, type Schedule, warmupSteps } from '../optim/schedule.ts'
import { checkSignature, loadCheckpoint, saveCheckpoint } from './checkpoint.ts'
import { canFuse, type FusedEpochArgs, fusedEpoch } from './fused-epoch.ts'
import { type EpochRecord, type ResolvedTrainOptions, resolveTrainOptions, type TrainOptions } from './options.ts'
import { validationMetrics } from './validation-metrics.ts'

export interface TrainData {
  train: BatchSource
  val?: BatchSource
}

export interface TrainResult {
  /** The best weights by the objective's validation value (the last epoch's without a validation split). */
  head: Head
  /** How head units map to the reported scale (the objective's statistics of the training split). */
  targetStats: TargetStats[]
  history: EpochRecord[]
  bestEpoch: number
  /** The objective's best validation value; null without a validation split. */
  bestValue: number | null
  /** bestValue under its first name (the rating objective's validation L_rating). */
  bestValLRating: number | null
}

/** Mutable state of a run; everything in it goes into a checkpoint. */
interface RunState {
  head: Head
  opt: Optimizer
  rng: Rng
  stats: TargetStats[]
  epoch: number
  step: number
  best: { params: ParamSet; epoch: number; value: number | null }
  badEpochs: number
  stopped: boolean
  history: EpochRecord[]
}

export async function train(data: TrainData, options: TrainOptions = {}): Promise<TrainResult> {
  const o = resolveTrainOptions(options)
  const objective = o.objective ?? createObjective({ type: 'rating', weights: o.lossWeights })
  checkData(data, o, objective)
  const spec = headSpec(o, data.train.dim, objective.outputs(data.train))
  const stepsPerEpoch = Math.ceil(data.train.rows / o.batchSize)
  const schedule: Schedule = {
    kind: o.schedule,
    lr: o.lr,
    totalSteps: o.epochs * stepsPerEpoch,
    warmupSteps: warmupSteps(o.warmupRatio, o.epochs * stepsPerEpoch),
  }
  const signature = runSignature(o, objective, spec, data)
  const resumed = o.resume ? await resumeRun(o, spec, signature) : null
  const state = resumed ?? (await startRun(o, objective, spec, data.train))
  if (!resumed && o.logPath) {
    await mkdir(dirname(o.logPath), { recursive: true })
    await writeFile(o.logPath, '')
  }
  const fused = o.fused && canFuse(o, objective, data.train) ? fusedData(data.train, objective, state.stats) : null
  while (!state.stopped && state.epoch < o.epochs) {
    const started = performance.now()
    state.epoch++
    const { trainValue, lr } = await runEpoch(state, data.train, objective, o, schedule, fused)
    const val = data.val ? await validationMetrics(state.head, data.val, objective, state.stats) : null
    if (val === null || state.best.value === null || val.value > state.best.value) {
      state.best = { params: copyParams(state.head.params), epoch: state.epoch, value: val ? val.value : null }
      state.badEpochs = 0
    } else {
      state.badEpochs++
      if (o.patience > 0 && state.badEpochs >= o.patience) state.stopped = true
    }
    const record = {
      epoch: state.epoch,
      step: state.step,
      lr,
      ...objective.record(trainValue, val),
      seconds: (performance.now() - started) / 1000,
    } as EpochRecord
    state.history.push(record)
    if (o.checkpointDir) await saveCheckpoint(o.checkpointDir, checkpointOf(state, signature))
    if (o.logPath) await appendFile(o.logPath, `${JSON.stringify(record)}\n`)
    o.onEpoch?.(record)
    if (o.stopAfterEpoch !== null && state.epoch >= o.stopAfterEpoch) break
  }
  // Restore the best weights into the head the caller gets (copies: the state keeps its own).
  const head = headFromParams(spec, copyParams(state.best.params))
  return {
    head,
    targetStats: state.stats,
    history: state.history,
    bestEpoch: state.best.epoch,
    bestValue: state.best.value,
    bestValLRating: state.best.value,
  }
}

function checkData(data: TrainData, o: ResolvedTrainOptions, objective: Objective): void {
  const t = data.train
  if (t.rows < 1) throw new RewardfitError('the training split has no rows; give at least one labelled example')
  const v = data.val
  if (v && (v.dim !== t.dim || v.attributes !== t.attributes)) {
    throw new RewardfitError(
      `the validation split has ${v.dim} features x ${v.attributes} attributes but training has ` +
        `${t.dim} x ${t.attributes}; featurize both with the same featurizer and attributes`,
    )
  }
  if (o.objective === null && o.lossWeights !== null && o.lossWeights.length !== objective.outputs(t)) {
    throw new OptionError('lossWeights', o.lossWeights, `one weight per attribute (${t.attributes})`)
  }
}

export function headSpec(o: ResolvedTrainOptions, inputDim: number, outputs: number): HeadSpec {
  return headSpecFromOptions(o.head, o, inputDim, outputs)
}

/** What must not change between a run and its resume (anything that changes the weights). */
function runSignature(
  o: ResolvedTrainOptions,
  objective: Objective,
  spec: HeadSpec,
  data: TrainData,
): Record<string, unknown> {
  // `fused` is left in: the fused and plain paths agree only to rounding, so a resume must not switch.
  const { logPath, checkpointDir, resume, onEpoch, onStep, stopAfterEpoch, objective: _, ...rest } = o
  return {
    ...rest,
    objective: objective.spec,
    head: spec,
    trainRows: data.train.rows,
    valRows: data.val?.rows ?? null,
  }
}

async function startRun(
  o: ResolvedTrainOptions,
  objective: Objective,
  spec: HeadSpec,
  source: BatchSource,
): Promise<RunState> {
  // One Rng drives init, then shuffling and dropout, in a fixed order: the seed fixes every bit.
  const rng = new Rng(o.seed)
  const head = createHead(spec, rng)
  return {
    head,
    opt: optimizerFor(o),
    rng,
    stats: await objective.fitStats(source),
    epoch: 0,
    step: 0,
    best: { params: copyParams(head.params), epoch: 0, value: null },
    badEpochs: 0,
    stopped: false,
    history: [],
  }
}

function optimizerFor(o: ResolvedTrainOptions): Optimizer {
  return createOptimizer({
    kind: o.optimizer,
    weightDecay: o.weightDecay,
    betas: o.betas,
    eps: o.eps,
    momentum: o.momentum,
  })
}

async function resumeRun(
  o: ResolvedTrainOptions,
  spec: HeadSpec,
  signature: Record<string, unknown>,
): Promise<RunState | null> {
  const dir = o.checkpointDir as string
  const c = await loadCheckpoint(dir)
  if (c === null) return null
  checkSignature(dir, c.signature, signature)
  const opt = optimizerFor(o)
  let head: Head
  try {
    head = headFromParams(spec, c.params, `${dir} (param/*)`)
    headFromParams(spec, c.best.params, `${dir} (best/*)`)
    opt.load(c.optimizer)
  } catch (e) {
    throw new RewardfitError(`checkpoint in ${dir} does not fit this run: ${(e as Error).message}`, { cause: e })
  }
  return {
    head,
    opt,
    rng: Rng.fromState(c.rngState),
    stats: c.targetStats,
    epoch: c.epoch,
    step: c.step,
    best: c.best,
    badEpochs: c.badEpochs,
    stopped: c.stopped,
    history: c.history,
  }
}

/** One pass over the training split in a seeded random order; returns the epoch's mean train value. */
async function runEpoch(
  s: RunState,
  source: BatchSource,
  objective: Objective,
  o: ResolvedTrainOptions,
  schedule: Schedule,
  fused: FusedData | null,
): Promise<{ trainValue: number; lr: number }> {
  const n = source.rows
  const order = s.rng.permutation(n)
  if (fused) {
    const r = await fusedEpoch({
      ...fused,
      objective,
      head: s.head,
      opt: s.opt,
      rng: s.rng,
      order,
      step0: s.step,
      schedule,
      o,
    })
    if (r !== null) {
      s.step += r.steps
      o.onStep?.({ epoch: s.epoch, step: s.step, rows: s.epoch * n, totalRows: o.epochs * n })
      return r
    }
  }
  let sum = 0
  let count = 0
  let lr = learningRate(schedule, s.step)
  for (let start = 0; start < n; start += o.batchSize) {
    const end = Math.min(n, start + o.batchSize)
    const batch = await source.read(order.subarray(start, end))
    lr = learningRate(schedule, s.step)
    s.step++
    if (!anyLabelled(objective, batch.y, end - start, s.stats)) continue // nothing to learn; the schedule still advances
    const f = await s.head.forward(batch.x, { train: true, rng: s.rng })
    const loss = objective.batchLoss(batch.y, f.out.data, s.stats)
    // Descend on -L: the head backpropagates -∂L/∂out.
    const gradOut = new Float32Array(loss.grad.length)
    for (let i = 0; i < gradOut.length; i++) gradOut[i] = -loss.grad[i]
    const grads = await f.backward({ rows: f.out.rows, cols: f.out.cols, data: gradOut })
    if (o.clipNorm > 0) clipGradNorm(grads, o.clipNorm)
    s.opt.step(s.head.params, grads, lr)
    // The train value from this batch's pre-update outputs, on the objective's reported scale.
    sum += loss.value * loss.count
    count += loss.count
    o.onStep?.({ epoch: s.epoch, step: s.step, rows: (s.epoch - 1) * n + end, totalRows: o.epochs * n })
  }
  return { trainValue: count > 0 ? sum / count : Number.NaN, lr }
}

function anyLabelled(objective: Objective, y: Float32Array, examples: number, stats: TargetStats[]): boolean {
  for (let i = 0; i < examples; i++) if (objective.labelled(y, i, stats)) return true
  return false
}

/** What the fused path needs besides the run state: all rows, labels prepared once. */
type FusedData = Pick<FusedEpochArgs, 'x' | 'labels' | 'y' | 'stats'>

function fusedData(source: BatchSource, objective: Objective, stats: TargetStats[]): FusedData {
  const { x, y } = source.inMemory!
  return { x, y, labels: objective.fused!.labels(y, stats), stats }
}

function checkpointOf(s: RunState, signature: Record<string, unknown>) {
  return {
    signature,
    epoch: s.epoch,
    step: s.step,
    rngState: s.rng.state,
    params: s.head.params,
    optimizer: s.opt.state(),
    best: s.best,
    badEpochs: s.badEpochs,
    stopped: s.stopped,
    targetStats: s.stats,
    history: s.history,
  }
}

export function copyParams(p: ParamSet): ParamSet {
  return Object.fromEntries(Object.entries(p).map(([k, t]) => [k, { shape: [...t.shape], data: t.data.slice() }]))
}
