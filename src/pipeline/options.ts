/**
 * Options of trainRewardModel: the data, the backbone, the head and how to fit it. One source of
 * defaults (TRAIN_MODEL_DEFAULTS); the data, split, ridge and training options keep their own.
 */
import { DEFAULT_SEED } from '../compute/rng.ts'
import type { DataOptions } from '../data/options.ts'
import type { SplitOptions } from '../data/split.ts'
import { OptionError } from '../errors.ts'
import type { FeaturizerSpec } from '../featurize/featurizer.ts'
import type { RidgeOptions } from '../fit/ridge.ts'
import type { HubOptions } from '../hub/index.ts'
import type { RidgeUncertaintyOptions } from '../model/fit-ridge-uncertainty.ts'
import type { EnsembleOptions } from '../train/ensemble.ts'
import type { EpochRecord, StepProgress, TrainOptions } from '../train/options.ts'

export type HeadChoice = 'ridge' | 'linear' | 'mlp'
export const HEAD_CHOICES: readonly HeadChoice[] = ['ridge', 'linear', 'mlp']

export type Stage = 'read' | 'featurize' | 'fit' | 'evaluate' | 'save'

export interface TrainModelProgress {
  stage: Stage
  /** Which split a featurize or evaluate step is working on. */
  split?: 'train' | 'val' | 'test'
  done: number
  total: number
}

export interface TrainRewardModelOptions {
  /** The training ratings file (JSONL, JSON, CSV, TSV or Parquet), or a Hub dataset 'hf:ORG/NAME[:split]'. */
  data: string
  /** Explicit validation / test files; otherwise rows are split off `data` by valFraction/testFraction. */
  val?: string | null
  test?: string | null
  /** Columns, scales, format, quoting, skipInvalid (see data/options.ts). */
  dataOptions?: DataOptions
  /** Seeds the split, the init, shuffling and dropout (split.seed / training.seed override it). */
  seed?: number
  /** valFraction, testFraction, seed (see data/split.ts); group rows with dataOptions.groupColumn. */
  split?: SplitOptions
  /** Attribute weights merging the attributes into one reward: 'a=0.7,b=0.3' or a map; default 1/k each. */
  weights?: string | Record<string, number> | null
  /** 'hashing' | 'onnx:PATH' | 'hf:ORG/NAME' | 'gguf:PATH', or a spec object. */
  backbone?: string | FeaturizerSpec
  /** Extra backbone options merged into its spec (e.g. { dim: 2048 } or { pooling: 'cls', maxLength: 256 }). */
  backboneOptions?: Record<string, unknown>
  /** 'ridge' = exact closed form, α chosen on validation; 'linear' / 'mlp' = mini-batch training. */
  head?: HeadChoice
  ridge?: RidgeOptions
  /** linear / mlp: train `members` with different seeds (optionally on bootstrap resamples); their spread is the std. */
  ensemble?: EnsembleOptions
  /** Ridge: the predictive std's eigen form (rank, iterations); false = save no uncertainty. */
  uncertainty?: RidgeUncertaintyOptions | false
  /** Mini-batch training options for 'linear' and 'mlp' (the head type comes from `head`). */
  training?: Omit<TrainOptions, 'head' | 'onEpoch' | 'onStep' | 'logPath'>
  /** The model folder to write. */
  out: string
  /** Feature store folder; null = a temporary folder removed at the end (nothing reused). */
  cacheDir?: string | null
  /**
   * A feature store folder filled by `featurize` (featurizeSharded): features are read from it and
   * never computed; the ridge sums its shards' partials in shard order. null = featurize (cached).
   */
  featureStore?: string | null
  /** Never touch the network (hf: backbones and datasets must be cached). */
  offline?: boolean
  /** Hub access for hf: datasets and backbones: endpoint (mirror), token, cache folder. */
  hub?: HubOptions
  /** Rows featurized per batch. */
  featurizeBatchSize?: number
  onProgress?: ((p: TrainModelProgress) => void) | null
  onEpoch?: ((r: EpochRecord) => void) | null
  onWarning?: ((message: string) => void) | null
}

export const TRAIN_MODEL_DEFAULTS = {
  val: null,
  test: null,
  dataOptions: {},
  seed: DEFAULT_SEED,
  split: {},
  weights: null,
  backbone: 'hashing',
  backboneOptions: {},
  head: 'ridge',
  ridge: {},
  uncertainty: {},
  ensemble: {},
  training: {},
  cacheDir: null,
  featureStore: null,
  offline: false,
  hub: {},
  featurizeBatchSize: 256,
  onProgress: null,
  onEpoch: null,
  onWarning: null,
} satisfies Omit<Required<TrainRewardModelOptions>, 'data' | 'out'>

export type ResolvedTrainModelOptions = Required<TrainRewardModelOptions>

export function resolveTrainModelOptions(o: TrainRewardModelOptions): ResolvedTrainModelOptions {
  const r = { ...TRAIN_MODEL_DEFAULTS, ...dropUndefined(o) } as ResolvedTrainModelOptions
  if (typeof r.data !== 'string' || r.data === '') throw new OptionError('data', r.data, 'a ratings file path')
  if (typeof r.out !== 'string' || r.out === '') throw new OptionError('out', r.out, 'a folder path for the model')
  if (!HEAD_CHOICES.includes(r.head))
    throw new OptionError('head', r.head, HEAD_CHOICES.map((h) => `'${h}'`).join(', '))
  if (!Number.isInteger(r.featurizeBatchSize) || r.featurizeBatchSize < 1) {
    throw new OptionError('featurizeBatchSize', r.featurizeBatchSize, 'a positive integer')
  }
  if (!Number.isInteger(r.seed) || r.seed < 0 || r.seed >= 2 ** 32)
    throw new OptionError('seed', r.seed, 'an integer in [0, 2^32)')
  // One seed for every random step, unless a step is given its own.
  r.split = { ...r.split, seed: r.split.seed ?? r.seed }
  r.training = { ...r.training, seed: r.training.seed ?? r.seed }
  return r
}

export type StepListener = (p: StepProgress) => void

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
