/**
 * The whole training job as one library call: ratings file → validated, split examples → cached
 * features → head fitted on L_rating (exact ridge or mini-batch) → RewardModel saved as a folder,
 * with validation/test metrics and the training log inside it. The CLI's `train` is a thin layer
 * over this.
 *
 * @example
 *   const { model, metrics } = await trainRewardModel({
 *     data: 'ratings.jsonl', out: 'models/rm',
 *     dataOptions: { targetColumns: ['helpfulness', 'verbosity'], scale: '0:4', groupColumn: 'prompt_id' },
 *   })
 *   metrics.val?.attributes.helpfulness.pearson   // 0.8
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { appendColumns } from '../core/append-columns.ts'
import { type BatchSource, matrixSource } from '../core/batch-source.ts'
import { dataMappingOf } from '../data/mapping.ts'
import { resolveDataOptions } from '../data/options.ts'
import { scalesFor } from '../data/scale.ts'
import { readRatingSplits, type Split, type SplitFiles } from '../data/split.ts'
import { parseWeights } from '../data/weights.ts'
import { openFeaturized, ShardedFeatureStore } from '../distributed/sharded-store.ts'
import { OptionError, RewardfitError } from '../errors.ts'
import { pairTexts } from '../eval/preference-pair.ts'
import type { FeaturizerSpec, TextPair } from '../featurize/featurizer.ts'
import { createFeaturizer, parseBackbone } from '../featurize/registry.ts'
import { accumulateRidge, fitRidge } from '../fit/ridge.ts'
import type { Head } from '../heads/head.ts'
import { headFromParams } from '../heads/registry.ts'
import type { RidgeAccumulator } from '../linalg/ridge-accumulator.ts'
import { FORMAT_VERSION, type ModelConfig, type TargetStats } from '../model/config.ts'
import { fitEnsembleUncertainty } from '../model/fit-ensemble-uncertainty.ts'
import { fitRidgeUncertainty } from '../model/fit-ridge-uncertainty.ts'
import type { LearnedMergeType, MergeFitReport } from '../model/merge/fit-merge.ts'
import { RewardModel } from '../model/reward-model.ts'
import { saveRewardModel } from '../model/save-model.ts'
import { sideFeatureStats, standardizedRows, withSideFeatures } from '../model/side-features.ts'
import type { Uncertainty } from '../model/uncertainty.ts'
import { cachedFeatureStore, type StoreRow } from '../store/build-store.ts'
import type { FeatureStore } from '../store/feature-store.ts'
import { resolveEnsembleOptions, trainEnsemble } from '../train/ensemble.ts'
import type { EpochRecord } from '../train/options.ts'
import { localDataFiles } from './data-files.ts'
import { evaluateSource, type PromptRows, type SplitMetrics } from './evaluate-source.ts'
import { learnMergeOnSplits } from './learn-merge.ts'
import { type ResolvedTrainModelOptions, resolveTrainModelOptions, type TrainRewardModelOptions } from './options.ts'
import { pairSource, pairStores, type TrainingPair } from './pair-data.ts'
import {
  evaluatePairSplits,
  fitCombined,
  type PairMetrics,
  runPairs,
  trainPreferenceModel,
} from './train-preference-model.ts'

export interface TrainRewardModelResult {
  model: RewardModel
  /** Metrics on the rating scale for each held-out split that has rows. */
  metrics: { val?: SplitMetrics; test?: SplitMetrics }
  /** Pair accuracy, mean margin and L_BT for each held-out split that has pairs (runs with pairs). */
  pairMetrics: PairMetrics
  /** Rows per split, skipped rows, feature reuse, how the head was fitted. */
  summary: TrainSummary
  history: EpochRecord[]
}

export interface TrainSummary {
  rows: Record<Split, number>
  skipped: number
  skippedByReason: Record<string, number>
  featuresReused: Partial<Record<Split, string>>
  head: string
  /** Ridge: the α chosen per attribute. */
  alphas?: number[]
  /** Runs with pairs: pairs per split; the exact Bradley-Terry fit: the λ chosen. */
  pairs?: Record<Split, number>
  l2?: number
  bestEpoch?: number
  /** merge 'learned-global' | 'gating': the fit (fixed vs learned pair accuracy and L_BT, weights). */
  merge?: MergeFitReport
  warnings: string[]
  seconds: number
}

const SPLITS: Split[] = ['train', 'val', 'test']

export async function trainRewardModel(options: TrainRewardModelOptions): Promise<TrainRewardModelResult> {
  const started = performance.now()
  const o = resolveTrainModelOptions(options)
  const warnings: string[] = []
  const warn = (m: string) => {
    warnings.push(m)
    o.onWarning?.(m)
  }
  if (o.objective === 'bradley-terry') return trainPreferenceModel(o, started, warn)
  const data = resolveDataOptions(o.dataOptions)
  const attributes = data.targetColumns
  const hub = { ...o.hub, offline: o.offline || o.hub.offline }
  const files: SplitFiles = {
    train: await localDataFiles(o.data as string, hub),
    val: o.val ? await localDataFiles(o.val, hub) : undefined,
    test: o.test ? await localDataFiles(o.test, hub) : undefined,
  }
  if (attributes.length === 0) {
    // readRatings names the numeric columns it finds; let it throw that message.
    for await (const _ of readRatingSplits({ train: files.train }, data, o.split)) break
  }
  const weights = parseWeights(o.weights, attributes)

  // Pass 1 validates every row before any costly featurizing, and counts rows for progress bars.
  const counts = await countSplits(o, files, data)
  if (counts.rows.train < 2) {
    throw new RewardfitError(
      `${o.data}: only ${counts.rows.train} training rows after the split; training needs at least 2 (lower --val-fraction/--test-fraction or add data)`,
    )
  }
  if (counts.rows.val === 0) warn('no validation rows: ridge uses a fixed alpha and training cannot stop early')

  const spec: FeaturizerSpec = {
    ...(typeof o.backbone === 'string' ? parseBackbone(o.backbone) : o.backbone),
    ...o.backboneOptions,
  }
  const tempCache = o.cacheDir === null ? await mkdtemp(join(tmpdir(), 'rewardfit-features-')) : null
  const storeDir = tempCache ?? join(o.cacheDir as string, 'features')
  const featurizer = await createFeaturizer(spec, {
    cacheDir: o.cacheDir ?? undefined,
    offline: o.offline,
    endpoint: o.hub.endpoint,
    token: o.hub.token ?? undefined,
  })
  const stores: Partial<Record<Split, FeatureStore | ShardedFeatureStore>> = {}
  const pairStoresToClose: Partial<Record<Split, FeatureStore>> = {}
  try {
    const featuresReused: Partial<Record<Split, string>> = {}
    for (const split of SPLITS) {
      if (counts.rows[split] === 0) continue
      const total = counts.rows[split]
      o.onProgress?.({ stage: 'featurize', split, done: 0, total })
      const rows = () => splitRows(files, data, o, split)
      const { store, reused } = o.featureStore
        ? await openFeaturized(featurizer, rows, { dir: o.featureStore, attributes, split })
        : await cachedFeatureStore(featurizer, rows, {
            dir: storeDir,
            batchSize: o.featurizeBatchSize,
            attributes,
            onProgress: (p) => o.onProgress?.({ stage: 'featurize', split, done: p.rows, total }),
          })
      o.onProgress?.({ stage: 'featurize', split, done: total, total })
      stores[split] = store
      featuresReused[split] = reused
    }

    // Side features (--features): standardized on the training split, appended to the stored vectors.
    const m = data.featureColumns.length
    const side = m > 0 ? sideFeatureStats(data.featureColumns, counts.sideFeatures.train) : null
    const sources: Partial<Record<Split, BatchSource>> = {}
    for (const split of SPLITS) {
      const store = stores[split]
      if (!store) continue
      if (!side) {
        sources[split] = store
        continue
      }
      const raw = counts.sideFeatures[split]
      const wide = appendColumns(store, standardizedRows(side, raw), m)
      sources[split] = wide
      // A sharded store's exact ridge sums its partials, which were made with these side columns.
      if (store instanceof ShardedFeatureStore)
        shardedRidge.set(wide, () => store.ridgeStatistics({ stats: side, raw }))
    }
    // The combined objective: pairs featurized like the ratings, then one head trained on both.
    if (side && o.objective === 'combined') {
      throw new OptionError(
        'features',
        data.featureColumns,
        'none with pairs (side features are not read from pair files)',
      )
    }
    const pairs =
      o.objective === 'combined'
        ? await pairStores(featurizer, await runPairs(o), { dir: storeDir, batchSize: o.featurizeBatchSize })
        : {}
    Object.assign(pairStoresToClose, pairs)
    const fit: FittedHead = pairs.train
      ? await fitCombined(
          o,
          { train: sources.train!, val: sources.val },
          { train: pairSource(pairs.train), val: pairs.val ? pairSource(pairs.val) : undefined },
          weights,
        )
      : await fitHead(o, sources.train!, sources.val, warn, weights)
    const config: ModelConfig = {
      formatVersion: FORMAT_VERSION,
      attributes,
      attributeWeights: weights,
      scales: counts.scales,
      targetStats: fit.targetStats,
      head: { ...fit.head.spec, ...fit.headInfo } as ModelConfig['head'],
      featurizer: featurizer.spec,
      ...(side ? { sideFeatures: side } : {}),
      data: dataMappingOf(data),
      ...(pairs.train ? { objective: { type: 'combined', pairWeight: o.pairWeight, center: o.center } } : {}),
    }
    if (fit.uncertainty) config.uncertainty = fit.uncertainty.spec
    const heads = new RewardModel(
      config,
      fit.head,
      side ? withSideFeatures(featurizer, side) : featurizer,
      undefined,
      fit.uncertainty ?? null,
    )
    const merged = o.merge === 'fixed' ? null : await learnRunMerge(heads, o)
    const model = merged?.model ?? heads
    // Held-out figures use the saved model's merge. Stored features carry no prompt vectors, so for a
    // merge that reads the prompt (the gate) they are featurized from the split's texts, as eval does.
    const readsPrompt = model.merge.readsPrompt
    const metrics: TrainRewardModelResult['metrics'] = {}
    for (const split of ['val', 'test'] as const) {
      const store = sources[split]
      if (!store) continue
      o.onProgress?.({ stage: 'evaluate', split, done: 0, total: store.rows })
      const prompts = readsPrompt ? promptRows(model, await ratingTexts(files, data, o, split)) : null
      metrics[split] = await evaluateSource(model, store, 4096, prompts)
      o.onProgress?.({ stage: 'evaluate', split, done: store.rows, total: store.rows })
    }
    const pairPrompts = readsPrompt && pairs.train ? await pairPromptRows(model, o) : {}
    const pairMetrics = pairs.train ? await evaluatePairSplits(model, pairs, o, pairPrompts) : {}
    const summary: TrainSummary = {
      rows: counts.rows,
      skipped: counts.skipped,
      skippedByReason: counts.skippedByReason,
      featuresReused,
      head: o.head,
      alphas: fit.alphas,
      bestEpoch: fit.bestEpoch,
      ...(pairs.train
        ? { pairs: { train: pairs.train.rows / 2, val: (pairs.val?.rows ?? 0) / 2, test: (pairs.test?.rows ?? 0) / 2 } }
        : {}),
      ...(merged ? { merge: merged.report } : {}),
      warnings,
      seconds: (performance.now() - started) / 1000,
    }
    config.training = {
      data: { train: o.data, val: o.val, test: o.test, rows: counts.rows, skipped: counts.skipped },
      head: o.head,
      options: o.head === 'ridge' ? o.ridge : o.training,
      split: o.split,
      metrics,
      ...(pairs.train
        ? { objective: 'combined', pairs: { file: o.pairs, fromRatings: o.pairsFromRatings }, pairMetrics }
        : {}),
      observedRanges: counts.observedRanges,
      bestEpoch: fit.bestEpoch,
      alphas: fit.alphas,
      seconds: summary.seconds,
    }
    o.onProgress?.({ stage: 'save', done: 0, total: 1 })
    const log = `${fit.history.map((r) => JSON.stringify(r)).join('\n')}\n`
    // withMerge copied heads' config before "training" was set.
    if (merged) model.config.training = config.training
    await saveRewardModel(o.out, model, { 'training-log.jsonl': log })
    o.onProgress?.({ stage: 'save', done: 1, total: 1 })
    return { model, metrics, pairMetrics, summary, history: fit.history }
  } finally {
    await Promise.all([...Object.values(stores), ...Object.values(pairStoresToClose)].map((s) => s?.close()))
    if (tempCache) await rm(tempCache, { recursive: true, force: true })
  }
}

interface SplitCounts {
  rows: Record<Split, number>
  /** Observed rating range per attribute on the training split (null where no label). */
  observedRanges: ({ min: number; max: number } | null)[]
  skipped: number
  skippedByReason: Record<string, number>
  scales: ModelConfig['scales']
  /** Raw side features per split, [rows, featureColumns] row-major, in store row order. */
  sideFeatures: Record<Split, Float64Array>
}

async function countSplits(
  o: ResolvedTrainModelOptions,
  files: SplitFiles,
  data: ReturnType<typeof resolveDataOptions>,
): Promise<SplitCounts> {
  const rows: Record<Split, number> = { train: 0, val: 0, test: 0 }
  const skippedByReason: Record<string, number> = {}
  let skipped = 0
  const counting = {
    ...data,
    onSkip: (e: Error, reason: string) => {
      skipped++
      skippedByReason[reason] = (skippedByReason[reason] ?? 0) + 1
      data.onSkip?.(e as never, reason)
    },
  }
  const k = data.targetColumns.length
  const lo = new Array<number>(k).fill(Number.POSITIVE_INFINITY)
  const hi = new Array<number>(k).fill(Number.NEGATIVE_INFINITY)
  let done = 0
  o.onProgress?.({ stage: 'read', done: 0, total: 0 })
  const m = data.featureColumns.length
  const side: Record<Split, number[]> = { train: [], val: [], test: [] }
  for await (const e of readRatingSplits(files, counting, o.split)) {
    rows[e.split]++
    if (m > 0 && e.features) for (let f = 0; f < m; f++) side[e.split].push(e.features[f])
    if (e.split === 'train') {
      for (let a = 0; a < k; a++) {
        const v = e.targets[a]
        if (v < lo[a]) lo[a] = v
        if (v > hi[a]) hi[a] = v
      }
    }
    if (++done % 10000 === 0) o.onProgress?.({ stage: 'read', done, total: 0 })
  }
  o.onProgress?.({ stage: 'read', done, total: done })
  const observedRanges = lo.map((min, a) => (min <= hi[a] ? { min, max: hi[a] } : null))
  return {
    rows,
    observedRanges,
    skipped,
    skippedByReason,
    scales: scalesFor(data.scale, data.targetColumns),
    sideFeatures: {
      train: Float64Array.from(side.train),
      val: Float64Array.from(side.val),
      test: Float64Array.from(side.test),
    },
  }
}

/** The rows of one split, replayable (the store reads them once to digest, once to featurize). */
async function* splitRows(
  files: SplitFiles,
  data: ReturnType<typeof resolveDataOptions>,
  o: ResolvedTrainModelOptions,
  split: Split,
): AsyncGenerator<StoreRow> {
  // Warnings and skips were reported by the counting pass; later passes stay quiet.
  const quiet = { ...data, onWarning: null, onSkip: null }
  for await (const e of readRatingSplits(files, quiet, o.split)) {
    if (e.split !== split) continue
    yield { pair: { prompt: e.prompt, response: e.response, messages: e.messages }, targets: e.targets }
  }
}

/** The texts of a split's rating rows, in store order. */
async function ratingTexts(
  files: SplitFiles,
  data: ReturnType<typeof resolveDataOptions>,
  o: ResolvedTrainModelOptions,
  split: Split,
): Promise<TextPair[]> {
  const texts: TextPair[] = []
  for await (const r of splitRows(files, data, o, split)) texts.push(r.pair)
  return texts
}

/** Prompt vectors of stored rows, from their texts (see PromptRows). */
const promptRows =
  (model: RewardModel, texts: readonly TextPair[]): PromptRows =>
  (start, rows) =>
    model.promptFeatures(texts.slice(start, start + rows))

/** PromptRows of the held-out pair stores (chosen, then rejected row of each pair, as pairRows stores them). */
async function pairPromptRows(
  model: RewardModel,
  o: ResolvedTrainModelOptions,
): Promise<Partial<Record<Split, PromptRows>>> {
  const texts: Record<Split, TextPair[]> = { train: [], val: [], test: [] }
  for await (const p of (await runPairs(o))()) if (p.split !== 'train') texts[p.split].push(...pairTexts(p))
  return { val: promptRows(model, texts.val), test: promptRows(model, texts.test) }
}

interface FittedHead {
  head: Head
  targetStats: TargetStats[]
  headInfo: Record<string, unknown>
  history: EpochRecord[]
  alphas?: number[]
  bestEpoch?: number
  uncertainty?: Uncertainty
}

async function fitHead(
  o: ResolvedTrainModelOptions,
  trainStore: BatchSource,
  valStore: BatchSource | undefined,
  warn: (m: string) => void,
  weights: number[],
): Promise<FittedHead> {
  const total = trainStore.rows
  if (o.head === 'ridge') {
    if (resolveEnsembleOptions(o.ensemble).members > 1) {
      throw new OptionError(
        'ensemble',
        o.ensemble.members,
        '1 with the ridge head (its std is exact); use --head linear or mlp for an ensemble',
      )
    }
    const t0 = performance.now()
    o.onProgress?.({ stage: 'fit', done: 0, total })
    const acc = await ridgeStatistics(trainStore)
    const validation = valStore ? await ridgeStatistics(valStore) : undefined
    const fit = await fitRidge(acc, { ...o.ridge, validation })
    for (const w of fit.warnings) warn(w)
    // σ is recalibrated on validation residuals; without validation, training residuals give the correlation only.
    const uncertainty =
      o.uncertainty === false
        ? undefined
        : await fitRidgeUncertainty(acc, fit, {
            ...o.uncertainty,
            residuals: valStore ?? trainStore,
            calibrate: !!valStore,
          })
    o.onProgress?.({ stage: 'fit', done: total, total })
    const spec = { type: 'linear' as const, inputDim: trainStore.dim, outputs: trainStore.attributes }
    const head = headFromParams(spec, fit.params, 'ridge fit')
    // One log record, so every model folder has a training log (ridge has no epochs).
    const best = fit.grid.length > 0 ? bestGridPoint(fit.grid, fit.alphas) : null
    const record: EpochRecord & { alphas: number[] } = {
      epoch: 1,
      step: 1,
      lr: 0,
      trainLRating: Number.NaN,
      valLRating: best,
      valMse: best === null ? null : -best,
      valRmse: best === null ? null : Math.sqrt(-best),
      valRmseByAttribute: null,
      seconds: (performance.now() - t0) / 1000,
      alphas: fit.alphas,
    }
    return {
      head,
      targetStats: fit.targetStats,
      headInfo: { solver: `ridge-${fit.solverUsed}`, alphas: fit.alphas, alphaSelection: fit.selection },
      history: [record],
      alphas: fit.alphas,
      uncertainty,
    }
  }
  const history: EpochRecord[] = []
  const ensemble = resolveEnsembleOptions(o.ensemble)
  const data = { train: await inMemoryIfSmall(trainStore), val: valStore ? await inMemoryIfSmall(valStore) : undefined }
  let member = 0
  let started = false
  const { members } = await trainEnsemble(data, {
    ...o.training,
    ...ensemble,
    head: o.head as 'linear' | 'mlp',
    lossWeights: o.training.lossWeights ?? null,
    onEpoch: (r) => {
      // The log holds member 0's epochs (the saved head); other members report progress only.
      if (r.epoch === 1 && started) member++
      started = true
      if (member === 0) history.push(r)
      o.onEpoch?.(r)
    },
    onStep: (p) => o.onProgress?.({ stage: 'fit', done: p.rows, total: p.totalRows }),
  })
  const res = members[0]
  const uncertainty =
    members.length > 1
      ? await fitEnsembleUncertainty(members, {
          bootstrap: ensemble.bootstrap,
          residuals: data.val ?? data.train,
          calibration: data.val ? 'validation' : 'training',
          weights,
        })
      : undefined
  return {
    head: res.head,
    targetStats: res.targetStats,
    headInfo: {
      solver: o.training.optimizer ?? 'adamw',
      ...(members.length > 1 ? { ensemble: { members: members.length, bootstrap: ensemble.bootstrap } } : {}),
    },
    history,
    bestEpoch: res.bestEpoch,
    uncertainty,
  }
}

/** Sources made of a sharded store plus side columns: their ridge statistics from the shards' partials. */
const shardedRidge = new WeakMap<BatchSource, () => Promise<RidgeAccumulator>>()

/** A sharded store sums its shards' partials (in shard order); a single entry is streamed. */
const ridgeStatistics = (store: BatchSource) =>
  store instanceof ShardedFeatureStore
    ? store.ridgeStatistics()
    : (shardedRidge.get(store)?.() ?? accumulateRidge(store))

/**
 * Features up to IN_MEMORY_BYTES are loaded into memory: training then runs each epoch as one fused
 * onnxruntime graph (several times faster than per-batch reads). Larger stores stream from disk, so
 * memory stays bounded whatever the row count.
 */
/**
 * The second stage of `merge: 'learned-global' | 'gating'`: the run's pairs (a file or derived from
 * the ratings) scored by the frozen heads; train-split pairs fit the merge, validation pairs pick the step.
 */
async function learnRunMerge(heads: RewardModel, o: ResolvedTrainModelOptions) {
  const train: TrainingPair[] = []
  const val: TrainingPair[] = []
  for await (const p of (await runPairs(o))()) {
    if (p.split === 'train') train.push(p)
    else if (p.split === 'val') val.push(p)
  }
  if (train.length === 0) throw new RewardfitError(`${o.pairs ?? o.data}: no training pairs to learn the merge from`)
  o.onProgress?.({ stage: 'fit', done: 0, total: 1 })
  const r = await learnMergeOnSplits(heads, train, val, {
    ...o.mergeFit,
    type: o.merge as LearnedMergeType,
    seed: o.mergeFit.seed ?? o.seed,
  })
  o.onProgress?.({ stage: 'fit', done: 1, total: 1 })
  return r
}

export const IN_MEMORY_BYTES = 512 * 1024 * 1024

async function inMemoryIfSmall(store: BatchSource): Promise<BatchSource> {
  if (store.rows * store.dim * 4 > IN_MEMORY_BYTES) return store
  const x = new Float32Array(store.rows * store.dim)
  const y = new Float32Array(store.rows * store.attributes)
  for await (const b of store.chunks(8192)) {
    x.set(b.x.data, b.start * store.dim)
    y.set(b.y, b.start * store.attributes)
  }
  return matrixSource({ rows: store.rows, cols: store.dim, data: x }, y, store.attributes)
}

/** Mean validation L_rating over attributes at each attribute's chosen α. */
function bestGridPoint(grid: { alpha: number; valLRating: number[] }[], alphas: number[]): number {
  let sum = 0
  alphas.forEach((alpha, a) => {
    const p = grid.find((g) => g.alpha === alpha)
    sum += p ? p.valLRating[a] : Number.NaN
  })
  return sum / alphas.length
}
