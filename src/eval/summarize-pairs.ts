/**
 * The preference report: overall accuracy and mean margin with bootstrap intervals, the same per
 * subset, and RewardBench-style section scores when a section map is given.
 *
 * @example
 *   summarizePairs(scored, resolveEvalOptions({ sections: 'rewardbench' })).report
 *   // { accuracy: 0.71, mean_margin: 0.42, ties: 0, n: 2985, ci: {...}, subsets: {...}, sections: {...}, score: 0.69 }
 */
import { bootstrapResamples, percentileInterval } from './bootstrap.ts'
import type { ResolvedEvalOptions } from './options.ts'
import { type PairMetrics, pairMetrics } from './pair-metrics.ts'
import type { ScoredPairs } from './score-pairs.ts'
import { type SectionScore, sectionScores } from './sections.ts'
import type { BootstrapInfo, Interval } from './summarize-ratings.ts'

export interface PairReport extends PairMetrics {
  ci?: { accuracy: Interval; mean_margin: Interval }
  /** Per subset label, in order of first appearance; pairs without a label are not listed here. */
  subsets: Record<string, PairMetrics>
  /** Only with a section map. */
  sections?: Record<string, SectionScore>
  /** Mean of the section scores (RewardBench's headline number); only with a section map. */
  score?: number
  bootstrap: BootstrapInfo | null
}

export type PairBootstrapStats = { accuracy: Float64Array; mean_margin: Float64Array }

export function pairBootstrap(s: ScoredPairs, sets: Uint32Array[]): PairBootstrapStats {
  const accuracy = new Float64Array(sets.length)
  const mean_margin = new Float64Array(sets.length)
  sets.forEach((set, b) => {
    const m = pairMetrics(s.chosen, s.rejected, set)
    accuracy[b] = m.accuracy
    mean_margin[b] = m.mean_margin
  })
  return { accuracy, mean_margin }
}

export interface PairSummary {
  report: PairReport
  stats: PairBootstrapStats | null
}

export function summarizePairs(s: ScoredPairs, o: ResolvedEvalOptions): PairSummary {
  const bySubset = new Map<string, number[]>()
  s.subsets.forEach((name, i) => {
    if (name === undefined) return
    const rows = bySubset.get(name)
    if (rows) rows.push(i)
    else bySubset.set(name, [i])
  })
  const subsets: Record<string, PairMetrics> = {}
  for (const [name, rows] of bySubset) subsets[name] = pairMetrics(s.chosen, s.rejected, rows)
  const stats = o.bootstrap > 0 ? pairBootstrap(s, bootstrapResamples(s.n, o.bootstrap, o.seed)) : null
  const report: PairReport = { ...pairMetrics(s.chosen, s.rejected), subsets, bootstrap: null }
  if (stats) {
    report.ci = {
      accuracy: percentileInterval(stats.accuracy, o.level),
      mean_margin: percentileInterval(stats.mean_margin, o.level),
    }
    report.bootstrap = { resamples: o.bootstrap, seed: o.seed, level: o.level }
  }
  if (o.sections) {
    const sc = sectionScores(subsets, o.sections)
    report.sections = sc.sections
    report.score = sc.score
  }
  return { report, stats }
}
