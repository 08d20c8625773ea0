/**
 * Training options: one source of defaults (TRAIN_DEFAULTS), validated once (resolveTrainOptions).
 *
 * @example
 *   const o = resolveTrainOptions({ head: 'mlp', hidden: [256], lr: 3e-4 })
 *   o.batchSize   // 256 (the default)
 */
import { DEFAULT_SEED } from '../compute/rng.ts'
import { OptionError } from '../errors.ts'
import { HEAD_TYPES, type HeadType } from '../heads/registry.ts'
import type { Objective } from '../objectives/objective.ts'
import type { ObjectiveRecord } from '../objectives/registry.ts'
import type { OptimizerKind } from '../optim/optimizer.ts'
import type { ScheduleKind } from '../optim/schedule.ts'

/**
 * One line of the per-epoch metrics stream (onEpoch, and the JSONL log): the step, the objective's
 * train value and validation metrics under its own names (ObjectiveRecord), and the time.
 */
export type EpochRecord = {
  epoch: number
  /** Optimizer steps taken so far. */
  step: number
  /** Learning rate of the epoch's last step. */
  lr: number
  seconds: number
} & ObjectiveRecord

export interface StepProgress {
  epoch: number
  step: number
  /** Training rows processed so far over the whole run, and the run's total. */
  rows: number
  totalRows: number
}

export interface TrainOptions {
  /** Head registry key. */
  head?: HeadType
  /** MLP hidden widths, one or two layers. */
  hidden?: number[]
  /** MLP activation; 'gelu' is the exact erf form, as torch's nn.GELU(). */
  activation?: 'gelu' | 'relu'
  /** MLP dropout on hidden activations, in [0, 1). */
  dropout?: number
  optimizer?: OptimizerKind
  /** Peak learning rate, > 0. */
  lr?: number
  /** AdamW: decoupled weight decay; SGD: L2 added to the gradient. ≥ 0. */
  weightDecay?: number
  /** SGD momentum in [0, 1). */
  momentum?: number
  /** AdamW (β₁, β₂), each in [0, 1). */
  betas?: [number, number]
  /** AdamW ε > 0. */
  eps?: number
  /** Passes over the training split, ≥ 1. */
  epochs?: number
  /** Rows per optimizer step, ≥ 1. */
  batchSize?: number
  /** 'cosine': linear warm-up then cosine decay to 0; 'constant': warm-up then flat. */
  schedule?: ScheduleKind
  /** Fraction of all steps spent warming up, in [0, 1). */
  warmupRatio?: number
  /** Clip the global gradient norm to this; 0 turns clipping off. */
  clipNorm?: number
  /** Seeds init, shuffling and dropout: the same seed gives bit-identical weights. */
  seed?: number
  /** Stop after this many epochs without a better validation value of the objective; 0 never stops early. */
  patience?: number
  /** What to maximize (src/objectives/registry.ts); null = L_rating weighted by lossWeights. */
  objective?: Objective | null
  /** Per-attribute weights in L_rating (each ≥ 0); null = all 1. Only with the default objective. */
  lossWeights?: number[] | null
  /** Append one JSON object per epoch to this file (truncated at the start of a fresh run). */
  logPath?: string | null
  /** Save a checkpoint here after each epoch (atomically). */
  checkpointDir?: string | null
  /** Continue from checkpointDir's checkpoint (a fresh start when there is none). */
  resume?: boolean
  onEpoch?: ((record: EpochRecord) => void) | null
  onStep?: ((progress: StepProgress) => void) | null
  /**
   * Run each epoch as one onnxruntime graph when the run allows it (AdamW, in-memory data):
   * several times faster for small heads. false forces the plain per-batch path, the reference
   * the fused one is tested against. Fused epochs report onStep once per epoch.
   */
  fused?: boolean
  /** Test hook: return after this epoch as if interrupted (the checkpoint is already written). */
  stopAfterEpoch?: number | null
}

export const TRAIN_DEFAULTS = {
  head: 'linear',
  hidden: [256],
  activation: 'gelu',
  dropout: 0.1,
  optimizer: 'adamw',
  lr: 1e-3,
  weightDecay: 0.01,
  momentum: 0.9,
  betas: [0.9, 0.999],
  eps: 1e-8,
  epochs: 20,
  batchSize: 256,
  schedule: 'cosine',
  warmupRatio: 0.05,
  clipNorm: 1,
  seed: DEFAULT_SEED,
  patience: 3,
  objective: null,
  lossWeights: null,
  logPath: null,
  checkpointDir: null,
  resume: false,
  onEpoch: null,
  onStep: null,
  fused: true,
  stopAfterEpoch: null,
} satisfies Required<TrainOptions>

export type ResolvedTrainOptions = Required<TrainOptions>

export function resolveTrainOptions(options: TrainOptions = {}): ResolvedTrainOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined))
  const unknown = Object.keys(defined).filter((k) => !(k in TRAIN_DEFAULTS))
  if (unknown.length > 0) {
    throw new OptionError(unknown[0], defined[unknown[0]], `a known option (${Object.keys(TRAIN_DEFAULTS).join(', ')})`)
  }
  const o = { ...TRAIN_DEFAULTS, ...defined } as ResolvedTrainOptions
  const oneOf = (name: keyof TrainOptions, allowed: readonly unknown[]) => {
    if (!allowed.includes(o[name]))
      throw new OptionError(name, o[name], `one of ${allowed.map((a) => `'${a}'`).join(', ')}`)
  }
  const check = (name: keyof TrainOptions, ok: (v: number) => boolean, expected: string) => {
    const v = o[name] as number
    if (typeof v !== 'number' || !ok(v)) throw new OptionError(name, v, expected)
  }
  const posInt = (v: number) => Number.isInteger(v) && v >= 1
  oneOf('head', HEAD_TYPES)
  oneOf('activation', ['gelu', 'relu'])
  oneOf('optimizer', ['adamw', 'sgd'])
  oneOf('schedule', ['constant', 'cosine'])
  if (!Array.isArray(o.hidden) || o.hidden.length < 1 || o.hidden.length > 2 || !o.hidden.every(posInt)) {
    throw new OptionError('hidden', o.hidden, 'one or two positive integer widths, e.g. [256] or [512, 128]')
  }
  check('dropout', (v) => v >= 0 && v < 1, 'a number in [0, 1)')
  check('lr', (v) => v > 0 && Number.isFinite(v), 'a finite number > 0')
  check('weightDecay', (v) => v >= 0 && Number.isFinite(v), 'a finite number >= 0')
  check('momentum', (v) => v >= 0 && v < 1, 'a number in [0, 1)')
  if (!Array.isArray(o.betas) || o.betas.length !== 2 || !o.betas.every((b) => b >= 0 && b < 1)) {
    throw new OptionError('betas', o.betas, 'two numbers in [0, 1), e.g. [0.9, 0.999]')
  }
  check('eps', (v) => v > 0, 'a number > 0')
  check('epochs', posInt, 'an integer >= 1')
  check('batchSize', posInt, 'an integer >= 1')
  check('warmupRatio', (v) => v >= 0 && v < 1, 'a number in [0, 1)')
  check('clipNorm', (v) => v >= 0, 'a number >= 0 (0 turns clipping off)')
  check('seed', (v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32, 'an integer in [0, 2^32)')
  check('patience', (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0 (0 never stops early)')
  if (o.lossWeights !== null) {
    if (!Array.isArray(o.lossWeights) || !o.lossWeights.every((w) => Number.isFinite(w) && w >= 0)) {
      throw new OptionError('lossWeights', o.lossWeights, 'an array of finite numbers >= 0, one per attribute')
    }
    if (!o.lossWeights.some((w) => w > 0))
      throw new OptionError('lossWeights', o.lossWeights, 'at least one weight > 0')
  }
  if (o.objective !== null && o.lossWeights !== null) {
    throw new OptionError(
      'lossWeights',
      o.lossWeights,
      "null when an objective is given (pass the weights to the rating objective: createObjective({ type: 'rating', weights }))",
    )
  }
  if (o.resume && o.checkpointDir === null) {
    throw new OptionError('resume', true, 'resume only together with checkpointDir (where the checkpoint is)')
  }
  if (o.stopAfterEpoch !== null) check('stopAfterEpoch', posInt, 'an integer >= 1 or null')
  return o
}
