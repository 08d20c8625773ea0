/**
 * rewardfit's public API: train, evaluate and serve reward models from pointwise human ratings by
 * maximizing L_rating = -E[(s - r(x, y))^2].
 *
 * @example
 *   import { trainRewardModel, loadRewardModel } from 'rewardfit'
 *   await trainRewardModel({ data: 'ratings.jsonl', out: 'models/rm',
 *     dataOptions: { targetColumns: ['helpfulness'], scale: '0:4' } })
 *   const model = await loadRewardModel('models/rm')
 *   const { rewards } = await model.score([{ prompt: 'Hi', response: 'Hello! How can I help?' }])
 */

export { gemm } from './compute/matmul.ts'
export { type Matrix, matrix } from './compute/matrix.ts'
export { Rng } from './compute/rng.ts'
export { type BatchSource, groupedSource, matrixSource, mixedSource } from './core/batch-source.ts'
export { decodeSafetensors, encodeSafetensors } from './core/safetensors.ts'
export type { ParamSet, Tensor } from './core/tensor.ts'
// Data
export {
  DATA_DEFAULTS,
  type DataOptions,
  parseScale,
  parseWeights,
  type RatingExample,
  readRatingSplits,
  readRatings,
  resolveDataOptions,
  SPLIT_DEFAULTS,
  type SplitOptions,
} from './data/index.ts'
export { DEMO_ATTRIBUTES, DEMO_RUBRIC, generateDemoDataset, writeDemoDataset } from './demo/index.ts'
export {
  FEATURIZE_SHARDED_DEFAULTS,
  type FeaturizeShardedOptions,
  type FeaturizeShardedResult,
  featurizeSharded,
} from './distributed/featurize-sharded.ts'
export { ShardedFeatureStore } from './distributed/sharded-store.ts'
export { SHARD_WORKER_DEFAULTS, type ShardWorkerOptions, startShardWorker } from './distributed/worker.ts'
// Errors
export { DataError, ModelFolderError, NotFittedError, OptionError, RewardfitError } from './errors.ts'
// Evaluation
export { evalJson, evaluateModels, evaluatePairs, evaluateRatings } from './eval/evaluate.ts'
export {
  INTERVAL_LEVELS,
  type IntervalMetrics,
  intervalMetrics,
  normalQuantile,
} from './eval/interval-metrics.ts'
export { type RatingMetrics, ratingMetrics } from './eval/metrics.ts'
export { EVAL_DEFAULTS, type EvalOptions, resolveEvalOptions } from './eval/options.ts'
export { readPreferencePairs } from './eval/read-pairs.ts'
// Featurizers
export type { ChatMessage, Featurizer, FeaturizerSpec, TextPair } from './featurize/featurizer.ts'
export { createHashingFeaturizer, HASHING_DEFAULTS, type HashingOptions } from './featurize/hashing.ts'
export { type CreateFeaturizerOptions, createFeaturizer, parseBackbone } from './featurize/registry.ts'
// Fitters and heads
export { type BradleyTerryFit, type BradleyTerryFitOptions, fitBradleyTerry } from './fit/bradley-terry.ts'
export { accumulateRidge, fitRidge, RIDGE_DEFAULTS, type RidgeFit, type RidgeOptions } from './fit/ridge.ts'
export type { Head, HeadKind } from './heads/head.ts'
export { createHead, type HeadSpec, type HeadType, headFromParams, heads } from './heads/registry.ts'
export { type HubOptions, hubOptionsFromEnv, resolveHubDataset } from './hub/index.ts'
// Models
export { FORMAT_VERSION, type ModelConfig, type RatingScale, type TargetStats } from './model/config.ts'
export {
  fitRidgeUncertainty,
  RIDGE_UNCERTAINTY_DEFAULTS,
  type RidgeUncertaintyOptions,
} from './model/fit-ridge-uncertainty.ts'
export { loadModelFolder, saveModelFolder } from './model/folder.ts'
export { loadRewardModel } from './model/load-model.ts'
export { RewardModel, type Scored, type ScoreOptions } from './model/reward-model.ts'
export { RidgeUncertainty, type RidgeUncertaintySpec } from './model/ridge-uncertainty.ts'
export { saveRewardModel } from './model/save-model.ts'
export {
  type Pick,
  SELECT_STRATEGIES,
  type SelectOptions,
  type SelectStrategy,
  selectRows,
} from './model/select-rows.ts'
export { mergedStd, type Uncertainty, type UncertaintySpec } from './model/uncertainty.ts'
// The objective
export {
  type BradleyTerryOptions,
  bradleyTerryObjective,
  type PairwiseLoss,
  type PairwiseLossOptions,
  pairwiseLoss,
} from './objectives/bradley-terry.ts'
export { type CombinedObjectiveOptions, combinedObjective } from './objectives/combined.ts'
export type { Objective, ValidationResult } from './objectives/objective.ts'
export {
  isLabel,
  pointwiseRatingLoss,
  type RatingLoss,
  type RatingLossOptions,
  type RatingObjectiveOptions,
  ratingObjective,
} from './objectives/rating.ts'
export { createObjective, type ObjectiveSpec, type ObjectiveType, objectives } from './objectives/registry.ts'
// The whole jobs
export {
  type ObjectiveChoice,
  TRAIN_MODEL_DEFAULTS,
  type TrainRewardModelOptions,
} from './pipeline/options.ts'
export {
  PAIR_LABELS,
  pairFeatures,
  pairRows,
  pairSource,
  pairStores,
  pairsFromRatings,
  readPairSplits,
  type TrainingPair,
} from './pipeline/pair-data.ts'
export { evaluatePairSource, type PairSplitMetrics } from './pipeline/pair-metrics.ts'
export { type ScoredRow, scoreFile } from './pipeline/score-file.ts'
export { type SelectedRow, type SelectPoolOptions, selectFromPool } from './pipeline/select-pool.ts'
export { type TrainRewardModelResult, trainRewardModel } from './pipeline/train-reward-model.ts'
export { renderReport, writeReport } from './report/render-report.ts'
// Serving
export { type BuildServerOptions, buildServer } from './serve/app.ts'
export { buildFeatureStore, cachedFeatureStore, type FeatureStoreOptions } from './store/build-store.ts'
export { type EpochRecord, TRAIN_DEFAULTS, type TrainOptions } from './train/options.ts'
export { type TrainResult, train } from './train/train.ts'
