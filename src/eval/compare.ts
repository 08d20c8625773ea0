/**
 * Paired bootstrap comparison of model B against model A on the same rows. Both models were scored
 * on the same index sets (same seed, same n), so each resample gives one difference B − A per metric;
 * pairing removes the row-to-row variance the two models share, which two separate intervals cannot.
 *
 *   diff      = metric_B − metric_A on the full data
 *   diff_ci   = percentile interval of the resampled differences
 *   b_better  = share of resamples where B is better (ties count half), "better" per metric direction
 *   p_value   = 1 − b_better: a one-sided, p-value-like figure for "B is not better than A";
 *               below 0.05 means B won in more than 95 % of resamples
 *
 * @example
 *   compareMetric(0.70, 0.74, statsA.reward.pearson, statsB.reward.pearson, true, 0.95)
 *   // { a: 0.70, b: 0.74, diff: 0.04, diff_ci: [0.01, 0.07], b_better: 0.992, p_value: 0.008 }
 */
import { percentileInterval } from './bootstrap.ts'
import type { PairBootstrapStats, PairReport } from './summarize-pairs.ts'
import {
  type BootstrapStats,
  HIGHER_IS_BETTER,
  type Interval,
  RATING_METRIC_NAMES,
  type RatingMetricName,
  type RatingReport,
  REWARD_COLUMN,
} from './summarize-ratings.ts'

export interface MetricComparison {
  a: number
  b: number
  diff: number
  diff_ci: Interval
  b_better: number
  p_value: number
}

export interface Comparison {
  /** Labels of the two models (e.g. their folders). */
  a: string
  b: string
  resamples: number
  seed: number
  level: number
  attributes?: Record<string, Record<RatingMetricName, MetricComparison>>
  reward?: Record<RatingMetricName, MetricComparison>
  /** Accuracy, and the section score when sections were given. */
  pairs?: { accuracy: MetricComparison; score?: MetricComparison }
}

export function compareMetric(
  a: number,
  b: number,
  statsA: Float64Array,
  statsB: Float64Array,
  higherIsBetter: boolean,
  level: number,
): MetricComparison {
  const d = new Float64Array(statsA.length)
  let better = 0
  let counted = 0
  for (let i = 0; i < d.length; i++) {
    d[i] = statsB[i] - statsA[i]
    // A resample where either metric is undefined (e.g. a constant resample) says nothing.
    if (Number.isNaN(d[i])) continue
    counted++
    if (d[i] === 0) better += 0.5
    else if (d[i] > 0 === higherIsBetter) better++
  }
  const share = counted ? better / counted : Number.NaN
  return { a, b, diff: b - a, diff_ci: percentileInterval(d, level), b_better: share, p_value: 1 - share }
}

export interface ComparedSide {
  label: string
  ratings?: { report: RatingReport; stats: BootstrapStats }
  pairs?: { report: PairReport; stats: PairBootstrapStats }
}

/** Both sides must come from the same data and the same bootstrap settings (evaluateModels ensures it). */
export function compareModels(
  a: ComparedSide,
  b: ComparedSide,
  bootstrap: { resamples: number; seed: number; level: number },
): Comparison {
  const out: Comparison = { a: a.label, b: b.label, ...bootstrap }
  const level = bootstrap.level
  if (a.ratings && b.ratings) {
    const ra = a.ratings
    const rb = b.ratings
    const column = (name: string, ca: RatingReport['reward'], cb: RatingReport['reward']) =>
      Object.fromEntries(
        RATING_METRIC_NAMES.map((m) => [
          m,
          compareMetric(ca[m], cb[m], ra.stats[name][m], rb.stats[name][m], HIGHER_IS_BETTER[m], level),
        ]),
      ) as Record<RatingMetricName, MetricComparison>
    out.attributes = Object.create(null) as NonNullable<typeof out.attributes>
    for (const name of Object.keys(ra.report.attributes)) {
      if (!rb.report.attributes[name]) continue
      out.attributes[name] = column(name, ra.report.attributes[name], rb.report.attributes[name])
    }
    // The merged reward is comparable only when both models merge the attributes the same way.
    if (sameWeights(ra.report.weights, rb.report.weights))
      out.reward = column(REWARD_COLUMN, ra.report.reward, rb.report.reward)
  }
  if (a.pairs && b.pairs) {
    const pa = a.pairs
    const pb = b.pairs
    out.pairs = {
      accuracy: compareMetric(
        pa.report.accuracy,
        pb.report.accuracy,
        pa.stats.accuracy,
        pb.stats.accuracy,
        true,
        level,
      ),
    }
    if (pa.stats.score && pb.stats.score && pa.report.score !== undefined && pb.report.score !== undefined) {
      out.pairs.score = compareMetric(pa.report.score, pb.report.score, pa.stats.score, pb.stats.score, true, level)
    }
  }
  return out
}

function sameWeights(a: Record<string, number>, b: Record<string, number>): boolean {
  const ka = Object.keys(a)
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k])
}
