/**
 * Turns predictions into the pointwise report: per attribute and for the merged reward, the rating
 * metrics (metrics.ts), their bootstrap percentile intervals, calibration bins, the spread of the
 * predictions and, per attribute, the share of predictions outside the rating scale.
 *
 * The object is the `--json` output and what the HTML report renders; its per-column keys extend
 * issue 3's {l_rating, mse, rmse, mae, pearson, spearman, kendall, pairwise_accuracy, n} with
 * `ci`, `calibration`, `prediction_spread` and `out_of_scale`, so readers of that shape still work.
 *
 * @example
 *   const report = summarizeRatings(predictions, resolveEvalOptions({ bootstrap: 200 }))
 *   report.attributes.helpfulness.pearson        // 0.71
 *   report.attributes.helpfulness.ci?.pearson    // [0.64, 0.77]
 */

import { bootstrapResamples, percentileInterval } from './bootstrap.ts'
import { type Calibration, calibrationBins, outOfScaleShare, type Spread, spread } from './calibration.ts'
import { type IntervalMetrics, intervalMetrics } from './interval-metrics.ts'
import { RATING_METRIC_NAMES, type RatingMetricName, type RatingMetrics, ratingMetrics } from './metrics.ts'
import type { ResolvedEvalOptions } from './options.ts'
import type { RatingPredictions } from './predict-ratings.ts'
import { countsOf, ResampleMetrics } from './resample-metrics.ts'

export { RATING_METRIC_NAMES, type RatingMetricName } from './metrics.ts'
/** Direction of "better" for each metric (used by model comparison). */
export const HIGHER_IS_BETTER: Record<RatingMetricName, boolean> = {
  l_rating: true,
  mse: false,
  rmse: false,
  mae: false,
  pearson: true,
  spearman: true,
  kendall: true,
  pairwise_accuracy: true,
}

export type Interval = [number, number]

export interface ColumnReport extends RatingMetrics {
  /** Percentile bootstrap interval per metric; absent when bootstrap = 0. */
  ci?: Record<RatingMetricName, Interval>
  calibration: Calibration
  /** Spread of the model's predictions (all rows, labelled or not). */
  prediction_spread: Spread
  /** Share of predictions outside the attribute's rating scale; null when the scale is unknown. */
  out_of_scale?: number | null
  /** Coverage of the predictive intervals, when the model has uncertainty. */
  intervals?: IntervalMetrics
}

export interface BootstrapInfo {
  resamples: number
  seed: number
  level: number
}

export interface RatingReport {
  /** Rows evaluated. */
  n: number
  attributes: Record<string, ColumnReport>
  /** The merged reward Σ w_a·score_a against Σ w_a·s_a, on rows where every weighted attribute is labelled. */
  reward: ColumnReport
  weights: Record<string, number>
  bootstrap: BootstrapInfo | null
}

/** One evaluated column: targets and predictions, n each. */
export interface Column {
  name: string
  targets: Float64Array
  predictions: Float64Array
  /** Predictive std per row, when the model has uncertainty. */
  std?: Float64Array
}

/** Internal name of the merged-reward column; cannot clash with an attribute read from a file header. */
export const REWARD_COLUMN = '\u0000reward'

/** The attribute columns, then the merged reward (named REWARD_COLUMN). */
export function ratingColumns(p: RatingPredictions): Column[] {
  const k = p.attributes.length
  const { scoresStd } = p
  const cols: Column[] = p.attributes.map((name, a) => ({
    name,
    targets: Float64Array.from({ length: p.n }, (_, i) => p.targets[i * k + a]),
    predictions: Float64Array.from({ length: p.n }, (_, i) => p.scores[i * k + a]),
    ...(scoresStd ? { std: Float64Array.from({ length: p.n }, (_, i) => scoresStd[i * k + a]) } : {}),
  }))
  cols.push({
    name: REWARD_COLUMN,
    targets: p.rewardTargets,
    predictions: p.rewards,
    ...(p.rewardStd ? { std: p.rewardStd } : {}),
  })
  return cols
}

/** Per column, per metric, the metric on each resample: stats[col][metric][b]. */
export type BootstrapStats = Record<string, Record<RatingMetricName, Float64Array>>

/** Metrics of every column on each index set; rows unlabelled in a column are skipped there. */
export function ratingBootstrap(columns: Column[], sets: Uint32Array[]): BootstrapStats {
  const out: BootstrapStats = Object.create(null)
  const n = columns[0]?.targets.length ?? 0
  const fast = columns.map((c) => new ResampleMetrics(c.targets, c.predictions))
  const stats = columns.map(
    () =>
      Object.fromEntries(RATING_METRIC_NAMES.map((m) => [m, new Float64Array(sets.length)])) as Record<
        RatingMetricName,
        Float64Array
      >,
  )
  const counts = new Uint32Array(n)
  sets.forEach((set, b) => {
    countsOf(set, n, counts)
    fast.forEach((f, j) => {
      const m = f.metrics(counts)
      for (const name of RATING_METRIC_NAMES) stats[j][name][b] = m[name]
    })
  })
  columns.forEach((c, j) => {
    out[c.name] = stats[j]
  })
  return out
}

export interface RatingSummary {
  report: RatingReport
  /** Per-resample metrics, kept for paired model comparison (same seed → same index sets). */
  stats: BootstrapStats | null
}

export function summarizeRatings(p: RatingPredictions, o: ResolvedEvalOptions): RatingSummary {
  const columns = ratingColumns(p)
  const stats = o.bootstrap > 0 ? ratingBootstrap(columns, bootstrapResamples(p.n, o.bootstrap, o.seed)) : null
  const column = (c: Column, scaleIndex: number | null): ColumnReport => {
    const r: ColumnReport = {
      ...ratingMetrics(c.targets, c.predictions),
      calibration: calibrationBins(c.predictions, c.targets, o.bins),
      prediction_spread: spread(c.predictions),
    }
    if (c.std) r.intervals = intervalMetrics(c.targets, c.predictions, c.std)
    if (stats) {
      r.ci = Object.fromEntries(
        RATING_METRIC_NAMES.map((m) => [m, percentileInterval(stats[c.name][m], o.level)]),
      ) as Record<RatingMetricName, Interval>
    }
    if (scaleIndex !== null) {
      const scale = p.scales[scaleIndex]
      r.out_of_scale = scale ? outOfScaleShare(c.predictions, scale) : null
    }
    return r
  }
  // Keys are user-named attributes: a null prototype keeps "__proto__" an ordinary key.
  const attributes: Record<string, ColumnReport> = Object.create(null)
  p.attributes.forEach((name, a) => {
    attributes[name] = column(columns[a], a)
  })
  return {
    report: {
      n: p.n,
      attributes,
      reward: column(columns[columns.length - 1], null),
      weights: Object.fromEntries(p.attributes.map((a, i) => [a, p.weights[i]])),
      bootstrap: stats ? { resamples: o.bootstrap, seed: o.seed, level: o.level } : null,
    },
    stats,
  }
}
