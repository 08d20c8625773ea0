/**
 * Fits a reward head by MAXIMIZING L_rating = -E[(s - r)²] with mini-batch AdamW or SGD.
 * The head sees standardized targets (per attribute, fitted on the training split); validation
 * metrics are on the rating scale. Early stopping on validation L_rating restores the best weights.
 *
 * The sign: pointwiseRatingLoss returns ∂L/∂r; optimizers minimize, so the head's backward gets
 * -∂L/∂r and the update descends on -L_rating, i.e. ascends L_rating.
 *
 * @example
 *   const res = await train({ train: matrixSource(x, y, 5), val: matrixSource(xv, yv, 5) }, { head: 'mlp', epochs: 10 })
 *   res.bestValLRating   // -0.52  (≤ 0, higher is better)
 *   res.targetStats      // [{ mean, std }, ...]: score_a = mean_a + std_a · out_a
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { Rng } from '../compute/rng.ts'
import type { BatchSource } from '../core/batch-source.ts'
import type { TargetStats } from '../core/targets.ts'
import { OptionError, RewardfitError } from '../errors.ts'
import type { Head, HeadSpec, ParamSet } from '../heads/head.ts'
import { createHead, headFromParams } from '../heads/registry.ts'
import { pointwiseRatingLoss } from '../objectives/rating.ts'
import { clipGradNorm } from '../optim/clip.ts'
import { createOptimizer } from '../optim/create-optimizer.ts'
import type { Optimizer } from '../optim/optimizer.ts'
import { learningRate, type Schedule, warmupSteps } from '../optim/schedule.ts'
import { checkSignature, loadCheckpoint, saveCheckpoint } from './checkpoint.ts'
import { canFuse, type FusedEpochArgs, fusedEpoch } from './fused-epoch.ts'
import { type EpochRecord, type ResolvedTrainOptions, resolveTrainOptions, type TrainOptions } from './options.ts'
import { destandardize, fitTargetStats, standardize } from './target-stats.ts'
import { validationMetrics } from './validation-metrics.ts'

export interface TrainData {
  train: BatchSource
  val?: BatchSource
}

export interface TrainResult {
  /** The best weights by validation L_rating (the last epoch's without a validation split). */
  head: Head
  targetStats: TargetStats[]
  history: EpochRecord[]
  bestEpoch: number
  /** null without a validation split. */
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
  best: { params: ParamSet; epoch: number; valLRating: number | null }
  badEpochs: number
  stopped: boolean
  history: EpochRecord[]
}

export async function train(data: TrainData, options: TrainOptions = {}): Promise<TrainResult> {
  const o = resolveTrainOptions(options)
  checkData(data, o)
  const spec = headSpec(o, data.train.dim, data.train.attributes)
  const stepsPerEpoch = Math.ceil(data.train.rows / o.batchSize)
  const schedule: Schedule = {
    kind: o.schedule,
    lr: o.lr,
    totalSteps: o.epochs * stepsPerEpoch,
    warmupSteps: warmupSteps(o.warmupRatio, o.epochs * stepsPerEpoch),
  }
  const signature = runSignature(o, spec, data)
  const resumed = o.resume ? await resumeRun(o, spec, signature) : null
  const state = resumed ?? (await startRun(o, spec, data.train))
  if (!resumed && o.logPath) {
    await mkdir(dirname(o.logPath), { recursive: true })
    await writeFile(o.logPath, '')
  }
  const weights = o.lossWeights ?? undefined
  const fused = o.fused && canFuse(o, data.train) ? fusedData(data.train, state.stats, o) : null
  while (!state.stopped && state.epoch < o.epochs) {
    const started = performance.now()
    state.epoch++
    const { trainLRating, lr } = await runEpoch(state, data.train, o, schedule, fused)
    const val = data.val ? await validationMetrics(state.head, data.val, state.stats, weights) : null
    if (val === null || state.best.valLRating === null || val.lRating > state.best.valLRating) {
      state.best = { params: copyParams(state.head.params), epoch: state.epoch, valLRating: val ? val.lRating : null }
      state.badEpochs = 0
    } else {
      state.badEpochs++
      if (o.patience > 0 && state.badEpochs >= o.patience) state.stopped = true
    }
    const record: EpochRecord = {
      epoch: state.epoch,
      step: state.step,
      lr,
      trainLRating,
      valLRating: val ? val.lRating : null,
      valMse: val ? val.mse : null,
      valRmse: val ? val.rmse : null,
      valRmseByAttribute: val ? val.rmseByAttribute : null,
      seconds: (performance.now() - started) / 1000,
    }
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
    bestValLRating: state.best.valLRating,
  }
}

function checkData(data: TrainData, o: ResolvedTrainOptions): void {
  const t = data.train
  if (t.rows < 1) throw new RewardfitError('the training split has no rows; give at least one labelled example')
  const v = data.val
  if (v && (v.dim !== t.dim || v.attributes !== t.attributes)) {
    throw new RewardfitError(
      `the validation split has ${v.dim} features x ${v.attributes} attributes but training has ` +
        `${t.dim} x ${t.attributes}; featurize both with the same featurizer and attributes`,
    )
  }
  if (o.lossWeights !== null && o.lossWeights.length !== t.attributes) {
    throw new OptionError('lossWeights', o.lossWeights, `one weight per attribute (${t.attributes})`)
  }
}

export function headSpec(o: ResolvedTrainOptions, inputDim: number, outputs: number): HeadSpec {
  return o.head === 'linear'
    ? { type: 'linear', inputDim, outputs }
    : { type: 'mlp', inputDim, outputs, hidden: [...o.hidden], activation: o.activation, dropout: o.dropout }
}

/** What must not change between a run and its resume (anything that changes the weights). */
function runSignature(o: ResolvedTrainOptions, spec: HeadSpec, data: TrainData): Record<string, unknown> {
  // `fused` is left in: the fused and plain paths agree only to rounding, so a resume must not switch.
  const { logPath, checkpointDir, resume, onEpoch, onStep, stopAfterEpoch, ...rest } = o
  return {
    ...rest,
    head: spec,
    trainRows: data.train.rows,
    valRows: data.val?.rows ?? null,
  }
}

async function startRun(o: ResolvedTrainOptions, spec: HeadSpec, source: BatchSource): Promise<RunState> {
  // One Rng drives init, then shuffling and dropout, in a fixed order: the seed fixes every bit.
  const rng = new Rng(o.seed)
  const head = createHead(spec, rng)
  return {
    head,
    opt: createOptimizer({
      kind: o.optimizer,
      weightDecay: o.weightDecay,
      betas: o.betas,
      eps: o.eps,
      momentum: o.momentum,
    }),
    rng,
    stats: await fitTargetStats(source),
    epoch: 0,
    step: 0,
    best: { params: copyParams(head.params), epoch: 0, valLRating: null },
    badEpochs: 0,
    stopped: false,
    history: [],
  }
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
  const opt = createOptimizer({
    kind: o.optimizer,
    weightDecay: o.weightDecay,
    betas: o.betas,
    eps: o.eps,
    momentum: o.momentum,
  })
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

/** One pass over the training split in a seeded random order; returns the epoch's mean L_rating. */
async function runEpoch(
  s: RunState,
  source: BatchSource,
  o: ResolvedTrainOptions,
  schedule: Schedule,
  fused: FusedData | null,
): Promise<{ trainLRating: number; lr: number }> {
  const n = source.rows
  const k = source.attributes
  const weights = o.lossWeights ?? undefined
  const order = s.rng.permutation(n)
  if (fused) {
    const r = await fusedEpoch({ ...fused, head: s.head, opt: s.opt, rng: s.rng, order, step0: s.step, schedule, o })
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
    if (batch.y.every(Number.isNaN)) continue // nothing to learn from; the schedule still advances
    const z = standardize(batch.y, s.stats)
    const f = await s.head.forward(batch.x, { train: true, rng: s.rng })
    const loss = pointwiseRatingLoss(z, f.out.data, { attributes: k, weights })
    // Descend on -L_rating: the head backpropagates -∂L/∂r.
    const gradOut = new Float32Array(loss.grad.length)
    for (let i = 0; i < gradOut.length; i++) gradOut[i] = -loss.grad[i]
    const grads = await f.backward({ rows: f.out.rows, cols: k, data: gradOut })
    if (o.clipNorm > 0) clipGradNorm(grads, o.clipNorm)
    s.opt.step(s.head.params, grads, lr)
    // Train L_rating on the rating scale, from this batch's pre-update outputs.
    const onScale = pointwiseRatingLoss(batch.y, destandardize(f.out.data, s.stats), { attributes: k, weights })
    sum += onScale.value * onScale.count
    count += onScale.count
    o.onStep?.({ epoch: s.epoch, step: s.step, rows: (s.epoch - 1) * n + end, totalRows: o.epochs * n })
  }
  return { trainLRating: count > 0 ? sum / count : Number.NaN, lr }
}

/** What the fused path needs besides the run state: all rows, targets standardized once. */
type FusedData = Pick<FusedEpochArgs, 'x' | 'z' | 'weights' | 'std'>

function fusedData(source: BatchSource, stats: TargetStats[], o: ResolvedTrainOptions): FusedData {
  const { x, y } = source.inMemory!
  return {
    x,
    z: standardize(y, stats),
    weights: o.lossWeights ?? stats.map(() => 1),
    std: stats.map((s) => s.std),
  }
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
