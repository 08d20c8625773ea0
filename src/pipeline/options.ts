/**
 * Options of trainRewardModel: the data, the backbone, the head and how to fit it. One source of
 * defaults (TRAIN_MODEL_DEFAULTS); the data, split, ridge and training options keep their own.
 */
import { DEFAULT_SEED } from '../compute/rng.ts'
import type { DataOptions } from '../data/options.ts'
import type { SplitOptions } from '../data/split.ts'
import { OptionError } from '../errors.ts'
import type { PairColumns } from '../eval/preference-pair.ts'
import type { FeaturizerSpec } from '../featurize/featurizer.ts'
import type { RidgeOptions } from '../fit/ridge.ts'
import type { HubOptions } from '../hub/index.ts'
import type { RidgeUncertaintyOptions } from '../model/fit-ridge-uncertainty.ts'
import { type LearnedMergeType, type MergeFitOptions, resolveMergeFitOptions } from '../model/merge/fit-merge.ts'
import type { EnsembleOptions } from '../train/ensemble.ts'
import type { EpochRecord, StepProgress, TrainOptions } from '../train/options.ts'

/**
 * 'exact': a linear head fitted by the objective's exact fitter (ratings: ridge; pairs: L-BFGS);
 * 'ridge' is its name for ratings. 'linear' / 'mlp': mini-batch training. 'auto': ridge for
 * ratings, exact for pairs alone, linear for both.
 */
export type HeadChoice = 'auto' | 'ridge' | 'exact' | 'linear' | 'mlp'
export const HEAD_CHOICES: readonly HeadChoice[] = ['auto', 'ridge', 'exact', 'linear', 'mlp']

/** 'auto': rating with --data alone, bradley-terry with pairs alone, combined with both. */
export type ObjectiveChoice = 'auto' | 'rating' | 'bradley-terry' | 'combined'
export const OBJECTIVE_CHOICES: readonly ObjectiveChoice[] = ['auto', 'rating', 'bradley-terry', 'combined']

export type Stage = 'read' | 'featurize' | 'fit' | 'evaluate' | 'save'

export interface TrainModelProgress {
  stage: Stage
  /** Which split a featurize or evaluate step is working on. */
  split?: 'train' | 'val' | 'test'
  done: number
  total: number
}

export interface TrainRewardModelOptions {
  /** The training ratings file (JSONL, JSON, CSV, TSV or Parquet), or a Hub dataset 'hf:ORG/NAME[:split]'; null with pairs alone. */
  data: string | null
  /** Preference pairs (every format `eval --pairs` reads and TRL's; local or hf:), split by prompt group. */
  pairs?: string | null
  /** Columns of the pair file; margin, label (win probability) and group are read only when named. */
  pairColumns?: PairColumns
  /** Derive pairs from the ratings within each prompt group (higher merged rating = chosen; ties skipped). */
  pairsFromRatings?: boolean
  /** What to maximize (see ObjectiveChoice). */
  objective?: ObjectiveChoice
  /** λ_p in the combined objective L = L_rating + λ_p·L_BT. ≥ 0. */
  pairWeight?: number
  /** η ≥ 0: reward centering in L_BT, -η·E[(r_c + r_r)²]. */
  center?: number
  /** Exact Bradley-Terry fit: the L2 strength λ, or a grid chosen on validation pairs; null = the default grid. */
  pairL2?: number | number[] | null
  /**
   * 'fixed' merges attributes with `weights`; 'learned-global' / 'gating' then learn the merge from the
   * run's train-split pairs (validation pairs pick the step), heads frozen. Needs ratings and pairs.
   */
  merge?: 'fixed' | LearnedMergeType
  /**
   * Settings of the learned merge's fit (epochs, lr, weightDecay, hidden for the gate, seed); defaults
   * in MERGE_FIT_DEFAULTS, except seed, which defaults to `seed`. The type comes from `merge`.
   */
  mergeFit?: Omit<MergeFitOptions, 'type'>
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
  /** See HeadChoice. */
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
  pairs: null,
  pairColumns: {},
  pairsFromRatings: false,
  objective: 'auto',
  pairWeight: 1,
  center: 0,
  pairL2: null,
  merge: 'fixed',
  mergeFit: {},
  head: 'auto',
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

/** Objective and head are resolved ('auto' replaced). */
export type ResolvedTrainModelOptions = Required<TrainRewardModelOptions> & {
  objective: Exclude<ObjectiveChoice, 'auto'>
  head: Exclude<HeadChoice, 'auto'>
}

export function resolveTrainModelOptions(o: TrainRewardModelOptions): ResolvedTrainModelOptions {
  const r = { ...TRAIN_MODEL_DEFAULTS, data: null, ...dropUndefined(o) } as Required<TrainRewardModelOptions>
  const file = (v: unknown) => typeof v === 'string' && v !== ''
  if (r.data !== null && !file(r.data)) throw new OptionError('data', r.data, 'a ratings file path')
  if (r.pairs !== null && !file(r.pairs)) throw new OptionError('pairs', r.pairs, 'a preference pairs file path')
  if (r.data === null && r.pairs === null) {
    throw new OptionError('data', r.data, 'a ratings file (data), a preference pairs file (pairs), or both')
  }
  if (r.pairsFromRatings && r.data === null)
    throw new OptionError('pairsFromRatings', true, 'together with data (the ratings to derive pairs from)')
  if (r.pairsFromRatings && r.pairs !== null)
    throw new OptionError('pairsFromRatings', true, 'false when a pairs file is given (one source of pairs)')
  if (typeof r.out !== 'string' || r.out === '') throw new OptionError('out', r.out, 'a folder path for the model')
  if (!HEAD_CHOICES.includes(r.head))
    throw new OptionError('head', r.head, HEAD_CHOICES.map((h) => `'${h}'`).join(', '))
  if (!OBJECTIVE_CHOICES.includes(r.objective))
    throw new OptionError('objective', r.objective, OBJECTIVE_CHOICES.map((h) => `'${h}'`).join(', '))
  if (!(r.pairWeight >= 0 && Number.isFinite(r.pairWeight)))
    throw new OptionError('pairWeight', r.pairWeight, 'a finite number >= 0')
  if (!(r.center >= 0 && Number.isFinite(r.center))) throw new OptionError('center', r.center, 'a finite number >= 0')
  const hasPairs = r.pairs !== null || r.pairsFromRatings
  if (!['fixed', 'learned-global', 'gating'].includes(r.merge))
    throw new OptionError('merge', r.merge, "'fixed', 'learned-global' or 'gating'")
  const learnedMerge = r.merge !== 'fixed'
  if (learnedMerge && (r.data === null || !hasPairs))
    throw new OptionError(
      'merge',
      r.merge,
      "'fixed', or give ratings (data) and pairs (a pairs file or pairsFromRatings)",
    )
  // Checked now, so a bad setting fails before any featurizing.
  if (learnedMerge) resolveMergeFitOptions({ ...r.mergeFit, type: r.merge as LearnedMergeType })
  const mergeSettings = Object.keys(dropUndefined(r.mergeFit))
  if (!learnedMerge && mergeSettings.length > 0)
    throw new OptionError(
      'merge',
      r.merge,
      `'learned-global' or 'gating' to use the merge fit's ${mergeSettings.join(', ')}`,
    )
  // A learned merge is a second stage over rating heads: pairs from the ratings then train no head.
  const objective =
    r.objective !== 'auto'
      ? r.objective
      : learnedMerge && r.pairs === null
        ? 'rating'
        : !hasPairs
          ? 'rating'
          : r.data !== null && r.pairs !== null
            ? 'combined'
            : 'bradley-terry'
  if (objective === 'rating' && r.data === null)
    throw new OptionError('objective', 'rating', "'bradley-terry' with pairs alone (ratings need data)")
  if (objective !== 'rating' && !hasPairs) {
    throw new OptionError('objective', objective, "'rating', or give pairs (a pairs file or pairsFromRatings)")
  }
  if (learnedMerge && objective === 'bradley-terry')
    throw new OptionError(
      'objective',
      objective,
      "'rating' or 'combined' with a learned merge (it merges rating heads)",
    )
  // A Bradley-Terry head is fitted on pair features, which hold no side columns: refuse rather than drop them.
  const side = r.dataOptions.featureColumns
  if (objective === 'bradley-terry' && (typeof side === 'string' ? side.trim() !== '' : (side?.length ?? 0) > 0))
    throw new OptionError(
      'features',
      side,
      "none with the 'bradley-terry' objective (its head learns from pairs, which carry no side features); drop --features, or train rating heads and learn the merge from pairs (--merge learned|gating)",
    )
  if (objective === 'combined' && r.data === null)
    throw new OptionError('objective', 'combined', "'bradley-terry' (combined needs ratings too)")
  const head =
    r.head === 'auto'
      ? ({ rating: 'ridge', 'bradley-terry': 'exact', combined: 'linear' } as const)[objective]
      : objective === 'rating' && r.head === 'exact'
        ? 'ridge'
        : r.head
  if (objective === 'bradley-terry' && head === 'ridge') {
    throw new OptionError('head', 'ridge', "'exact' (L-BFGS on L_BT), 'linear' or 'mlp': ridge fits ratings")
  }
  if (objective === 'combined' && (head === 'ridge' || head === 'exact')) {
    throw new OptionError('head', head, "'linear' or 'mlp': the combined objective has no exact fitter")
  }
  if (!Number.isInteger(r.featurizeBatchSize) || r.featurizeBatchSize < 1) {
    throw new OptionError('featurizeBatchSize', r.featurizeBatchSize, 'a positive integer')
  }
  if (!Number.isInteger(r.seed) || r.seed < 0 || r.seed >= 2 ** 32)
    throw new OptionError('seed', r.seed, 'an integer in [0, 2^32)')
  // One seed for every random step, unless a step is given its own.
  r.split = { ...r.split, seed: r.split.seed ?? r.seed }
  r.training = { ...r.training, seed: r.training.seed ?? r.seed }
  return { ...r, objective, head } as ResolvedTrainModelOptions
}

export type StepListener = (p: StepProgress) => void

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
