/**
 * Training from preference pairs: a reward model from pairs alone (Bradley-Terry), or the pairs of
 * a combined run (ratings and pairs, λ_r·L_rating + λ_p·L_BT; trainRewardModel calls fitCombined).
 * Pairs come from a file (--pairs) or from the ratings within each prompt (--pairs-from-ratings).
 *
 * A model trained on pairs alone has no rating scale: its one attribute, "reward", is on a log-odds
 * scale, shifted so that the mean reward of the training responses is 0. σ(r_a - r_b) is then the
 * modelled probability that response a is preferred to response b, and σ(r) the probability that a
 * response is preferred to an average training response. config.json says so under "reward".
 *
 * @example
 *   const { pairMetrics } = await trainRewardModel({ data: null, pairs: 'hh.jsonl', out: 'models/bt' })
 *   pairMetrics.test?.accuracy   // 0.68
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BatchSource, groupedSource, matrixSource, mixedSource } from '../core/batch-source.ts'
import type { TargetStats } from '../core/targets.ts'
import { resolveDataOptions } from '../data/options.ts'
import { readRatingSplits, type Split, type SplitFiles } from '../data/split.ts'
import { parseWeights } from '../data/weights.ts'
import type { FeaturizerSpec } from '../featurize/featurizer.ts'
import { createFeaturizer, parseBackbone } from '../featurize/registry.ts'
import { fitBradleyTerry } from '../fit/bradley-terry.ts'
import type { Head } from '../heads/head.ts'
import { headFromParams } from '../heads/registry.ts'
import { FORMAT_VERSION, type ModelConfig } from '../model/config.ts'
import { RewardModel } from '../model/reward-model.ts'
import { saveRewardModel } from '../model/save-model.ts'
import { createObjective } from '../objectives/registry.ts'
import type { FeatureStore } from '../store/feature-store.ts'
import type { EpochRecord, TrainOptions } from '../train/options.ts'
import { train } from '../train/train.ts'
import { localDataFiles } from './data-files.ts'
import type { PromptRows } from './evaluate-source.ts'
import type { ResolvedTrainModelOptions } from './options.ts'
import { pairSource, pairStores, pairsFromRatings, readPairSplits, type TrainingPair } from './pair-data.ts'
import { evaluatePairSource, type PairSplitMetrics } from './pair-metrics.ts'

/** What a pairs-only model's reward means (config.json "reward", the model card). */
export const LOG_ODDS_REWARD = {
  scale: 'log-odds',
  meaning:
    'Bradley-Terry reward: sigmoid(r_a - r_b) is the probability that response a is preferred to response b; ' +
    'r = 0 is the mean reward of the training responses, so sigmoid(r) is the probability of being preferred to an average training response',
}

export type PairMetrics = { val?: PairSplitMetrics; test?: PairSplitMetrics }

/** The pairs of the run, replayable: read from --pairs, or derived from the ratings once. */
export async function runPairs(
  o: ResolvedTrainModelOptions,
): Promise<() => AsyncIterable<TrainingPair> | Iterable<TrainingPair>> {
  const hub = { ...o.hub, offline: o.offline || o.hub.offline }
  if (o.pairs !== null) {
    const files: SplitFiles = { train: await localDataFiles(o.pairs, hub) }
    // Without ratings, --val and --test name pair files.
    if (o.data === null && o.val) files.val = await localDataFiles(o.val, hub)
    if (o.data === null && o.test) files.test = await localDataFiles(o.test, hub)
    const options = {
      columns: o.pairColumns,
      skipInvalid: o.dataOptions.skipInvalid ?? false,
      onSkip: (file: string, n: number, example: string) =>
        o.onWarning?.(`skipped ${n} invalid pair(s) of ${file}; e.g. ${example}`),
    }
    return () => readPairSplits(files, options, o.split)
  }
  const data = resolveDataOptions({ ...o.dataOptions, onWarning: null, onSkip: null })
  const files: SplitFiles = {
    train: await localDataFiles(o.data as string, hub),
    val: o.val ? await localDataFiles(o.val, hub) : undefined,
    test: o.test ? await localDataFiles(o.test, hub) : undefined,
  }
  const weights = parseWeights(o.weights, data.targetColumns)
  const pairs = await pairsFromRatings(readRatingSplits(files, data, o.split), weights)
  return () => pairs
}

/** A pairs-only Bradley-Terry run: pairs → features → exact or mini-batch fit → model folder. */
export async function trainPreferenceModel(o: ResolvedTrainModelOptions, started: number, warn: (m: string) => void) {
  const pairs = await runPairs(o)
  const spec: FeaturizerSpec = {
    ...(typeof o.backbone === 'string' ? parseBackbone(o.backbone) : o.backbone),
    ...o.backboneOptions,
  }
  const tempCache = o.cacheDir === null ? await mkdtemp(join(tmpdir(), 'rewardfit-features-')) : null
  const featurizer = await createFeaturizer(spec, {
    cacheDir: o.cacheDir ?? undefined,
    offline: o.offline,
    endpoint: o.hub.endpoint,
    token: o.hub.token ?? undefined,
  })
  let stores: Partial<Record<Split, FeatureStore>> = {}
  try {
    stores = await pairStores(featurizer, pairs, {
      dir: tempCache ?? join(o.cacheDir as string, 'features'),
      batchSize: o.featurizeBatchSize,
      onProgress: (split, done) => o.onProgress?.({ stage: 'featurize', split, done, total: 0 }),
    })
    if (!stores.val) warn('no validation pairs: the L2 strength is fixed and training cannot stop early')
    o.onProgress?.({ stage: 'fit', done: 0, total: stores.train!.rows / 2 })
    const fit = await fitPairs(o, pairSource(stores.train!), stores.val ? pairSource(stores.val) : undefined)
    o.onProgress?.({ stage: 'fit', done: stores.train!.rows / 2, total: stores.train!.rows / 2 })
    // Reward 0 = the mean training response (see the module note).
    const offset = await meanOutput(fit.head, stores.train!)
    const targetStats: TargetStats[] = [{ mean: -offset, std: 1 }]
    const config: ModelConfig = {
      formatVersion: FORMAT_VERSION,
      attributes: ['reward'],
      attributeWeights: [1],
      scales: [null],
      targetStats,
      head: { ...fit.head.spec, ...fit.headInfo } as ModelConfig['head'],
      featurizer: featurizer.spec,
      objective: { type: 'bradley-terry', center: o.center },
      reward: LOG_ODDS_REWARD,
    }
    const model = new RewardModel(config, fit.head, featurizer)
    const pairMetrics = await evaluatePairSplits(model, stores, o)
    const rows = { train: stores.train!.rows / 2, val: (stores.val?.rows ?? 0) / 2, test: (stores.test?.rows ?? 0) / 2 }
    const seconds = (performance.now() - started) / 1000
    config.training = {
      pairs: { file: o.pairs, fromRatings: o.pairsFromRatings ? o.data : null, rows },
      objective: 'bradley-terry',
      head: o.head,
      options: o.head === 'exact' ? { l2: fit.l2 } : o.training,
      split: o.split,
      pairMetrics,
      bestEpoch: fit.bestEpoch,
      seconds,
    }
    o.onProgress?.({ stage: 'save', done: 0, total: 1 })
    await saveRewardModel(o.out, model, {
      'training-log.jsonl': `${fit.history.map((r) => JSON.stringify(r)).join('\n')}\n`,
    })
    o.onProgress?.({ stage: 'save', done: 1, total: 1 })
    return {
      model,
      metrics: {},
      pairMetrics,
      summary: {
        rows: { train: 0, val: 0, test: 0 },
        pairs: rows,
        skipped: 0,
        skippedByReason: {},
        featuresReused: {},
        head: o.head,
        l2: fit.l2,
        bestEpoch: fit.bestEpoch,
        warnings: [],
        seconds,
      },
      history: fit.history,
    }
  } finally {
    await Promise.all(Object.values(stores).map((s) => s?.close()))
    await featurizer.dispose?.()
    if (tempCache) await rm(tempCache, { recursive: true, force: true })
  }
}

interface PairFit {
  head: Head
  headInfo: Record<string, unknown>
  history: EpochRecord[]
  l2?: number
  bestEpoch?: number
}

/** Bradley-Terry on pairs alone: L-BFGS for --head exact, else mini-batch training of the head. */
async function fitPairs(
  o: ResolvedTrainModelOptions,
  trainPairs: BatchSource,
  valPairs?: BatchSource,
): Promise<PairFit> {
  const objective = createObjective({ type: 'bradley-terry', center: o.center })
  if (o.head === 'exact') {
    const t0 = performance.now()
    const fit = await fitBradleyTerry(trainPairs, {
      center: o.center,
      validation: valPairs,
      ...(o.pairL2 !== null ? { l2: o.pairL2 } : {}),
    })
    const head = headFromParams(
      { type: 'linear', inputDim: trainPairs.dim, outputs: 1 },
      fit.params,
      'Bradley-Terry fit',
    )
    const best = fit.grid.find((g) => g.l2 === fit.l2)
    const record = {
      epoch: 1,
      step: fit.iterations,
      lr: 0,
      valLBT: best?.valLBT ?? null,
      valAccuracy: best?.valAccuracy ?? null,
      seconds: (performance.now() - t0) / 1000,
      l2: fit.l2,
    } as EpochRecord
    return { head, headInfo: { solver: 'lbfgs', l2: fit.l2, l2Grid: fit.grid }, history: [record], l2: fit.l2 }
  }
  const { res, history } = await trainLogged(
    o,
    { train: await inMemoryIfSmall(trainPairs), val: valPairs ? await inMemoryIfSmall(valPairs) : undefined },
    objective,
  )
  return { head: res.head, headInfo: { solver: o.training.optimizer ?? 'adamw' }, history, bestEpoch: res.bestEpoch }
}

/** Mini-batch training of o.head on `objective`; every epoch goes to the returned history and to o.onEpoch. */
async function trainLogged(
  o: ResolvedTrainModelOptions,
  data: Parameters<typeof train>[0],
  objective: TrainOptions['objective'],
  onStep?: NonNullable<TrainOptions['onStep']>,
) {
  const history: EpochRecord[] = []
  const res = await train(data, {
    ...o.training,
    lossWeights: null,
    head: o.head as 'linear' | 'mlp',
    objective,
    onEpoch: (r) => {
      history.push(r)
      o.onEpoch?.(r)
    },
    ...(onStep && { onStep }),
  })
  return { res, history }
}

/**
 * The combined objective on ratings and pairs (mini-batch training of a linear or MLP head with k
 * outputs; the pairs compare the merged reward Σ w_a·score_a).
 */
export async function fitCombined(
  o: ResolvedTrainModelOptions,
  ratings: { train: BatchSource; val?: BatchSource },
  pairs: { train: BatchSource; val?: BatchSource },
  attributeWeights: number[],
): Promise<{
  head: Head
  targetStats: TargetStats[]
  headInfo: Record<string, unknown>
  history: EpochRecord[]
  bestEpoch: number
}> {
  const k = ratings.train.attributes
  const none = (w: number) =>
    matrixSource({ rows: 0, cols: ratings.train.dim, data: new Float32Array(0) }, new Float32Array(0), w)
  const mixed = async (r?: BatchSource, p?: BatchSource) =>
    r || p ? mixedSource(r ? await inMemoryIfSmall(r) : none(k), p ? await inMemoryIfSmall(p) : none(2)) : undefined
  const objective = createObjective({
    type: 'combined',
    attributeWeights,
    ratingWeight: 1,
    pairWeight: o.pairWeight,
    lossWeights: o.training.lossWeights ?? null,
    center: o.center,
  })
  const { res, history } = await trainLogged(
    o,
    { train: (await mixed(ratings.train, pairs.train))!, val: await mixed(ratings.val, pairs.val) },
    objective,
    (p) => o.onProgress?.({ stage: 'fit', done: p.rows, total: p.totalRows }),
  )
  return {
    head: res.head,
    targetStats: res.targetStats,
    headInfo: { solver: o.training.optimizer ?? 'adamw' },
    history,
    bestEpoch: res.bestEpoch,
  }
}

export async function evaluatePairSplits(
  model: RewardModel,
  stores: Partial<Record<Split, FeatureStore>>,
  o: ResolvedTrainModelOptions,
  prompts: Partial<Record<Split, PromptRows>> = {},
): Promise<PairMetrics> {
  const out: PairMetrics = {}
  for (const split of ['val', 'test'] as const) {
    const store = stores[split]
    if (!store) continue
    o.onProgress?.({ stage: 'evaluate', split, done: 0, total: store.rows / 2 })
    out[split] = await evaluatePairSource(model, pairSource(store), 2048, prompts[split] ?? null)
    o.onProgress?.({ stage: 'evaluate', split, done: store.rows / 2, total: store.rows / 2 })
  }
  return out
}

async function meanOutput(head: Head, rows: BatchSource): Promise<number> {
  let sum = 0
  let n = 0
  for await (const { x } of rows.chunks(8192)) {
    const out = (await head.predict(x)).data
    for (const v of out) sum += v
    n += out.length
  }
  return n > 0 ? sum / n : 0
}

/** As trainRewardModel: features up to 512 MB are loaded, so training runs fused epochs. */
async function inMemoryIfSmall(source: BatchSource): Promise<BatchSource> {
  const grouped = source.rows * source.dim * 4 <= 512 * 1024 * 1024
  if (!grouped || source.inMemory) return source
  // Read every example in order; x keeps every row of an example (a pair: both rows).
  const all = await source.read(Uint32Array.from({ length: source.rows }, (_, i) => i))
  const rowsPerExample = all.x.rows / source.rows
  const flat = matrixSource(all.x, expandLabels(all.y, source.attributes, rowsPerExample), source.attributes)
  return rowsPerExample === 1 ? flat : groupedSource(flat, rowsPerExample)
}

function expandLabels(y: Float32Array, width: number, rowsPerExample: number): Float32Array {
  if (rowsPerExample === 1) return y
  const out = new Float32Array(y.length * rowsPerExample)
  for (let e = 0; e < y.length / width; e++) {
    for (let j = 0; j < rowsPerExample; j++)
      out.set(y.subarray(e * width, e * width + width), (e * rowsPerExample + j) * width)
  }
  return out
}
