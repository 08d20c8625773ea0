/**
 * The preference report: overall accuracy and mean margin, per-subset accuracy, and RewardBench-style
 * section scores when a section map is given, each with a bootstrap percentile interval. The
 * resamples draw pairs from the whole file, so a subset's size varies across resamples as it would
 * across fresh samples of the same mix.
 *
 * @example
 *   summarizePairs(scored, resolveEvalOptions({ sections: 'rewardbench' })).report
 *   // { accuracy: 0.71, mean_margin: 0.42, ties: 0, n: 2985, ci: {...}, subsets: {...}, sections: {...}, score: 0.69 }
 */
import { bootstrapResamples, percentileInterval } from './bootstrap.ts'
import type { ResolvedEvalOptions } from './options.ts'
import { type PairMetrics, pairMetrics } from './pair-metrics.ts'
import type { ScoredPairs } from './score-pairs.ts'
import { type SectionMap, type SectionScore, sectionScores } from './sections.ts'
import type { BootstrapInfo, Interval } from './summarize-ratings.ts'

export interface SubsetReport extends PairMetrics {
  ci?: { accuracy: Interval }
}

export interface SectionReport extends SectionScore {
  ci?: Interval
}

export interface PairReport extends PairMetrics {
  ci?: { accuracy: Interval; mean_margin: Interval; score?: Interval }
  /** Per subset label, in order of first appearance; pairs without a label are not listed here. */
  subsets: Record<string, SubsetReport>
  /** Only with a section map. */
  sections?: Record<string, SectionReport>
  /** Mean of the section scores (RewardBench's headline number); only with a section map. */
  score?: number
  bootstrap: BootstrapInfo | null
}

/** Per resample b: overall accuracy and margin, each subset's accuracy, each section's and the overall score. */
export interface PairBootstrapStats {
  accuracy: Float64Array
  mean_margin: Float64Array
  subsets: Record<string, Float64Array>
  sections?: Record<string, Float64Array>
  score?: Float64Array
}

export function pairBootstrap(
  s: ScoredPairs,
  sets: Uint32Array[],
  sections: SectionMap | null = null,
): PairBootstrapStats {
  const names = [...new Set(s.subsets.filter((x): x is string => x !== undefined))]
  const subsetOf = Int32Array.from(s.subsets, (x) => (x === undefined ? -1 : names.indexOf(x)))
  const B = sets.length
  const stats: PairBootstrapStats = {
    accuracy: new Float64Array(B),
    mean_margin: new Float64Array(B),
    subsets: Object.fromEntries(names.map((n) => [n, new Float64Array(B)])),
  }
  if (sections) {
    stats.sections = Object.fromEntries(Object.keys(sections).map((n) => [n, new Float64Array(B)]))
    stats.score = new Float64Array(B)
  }
  const won = new Float64Array(names.length)
  const count = new Float64Array(names.length)
  sets.forEach((set, b) => {
    const m = pairMetrics(s.chosen, s.rejected, set)
    stats.accuracy[b] = m.accuracy
    stats.mean_margin[b] = m.mean_margin
    won.fill(0)
    count.fill(0)
    for (let j = 0; j < set.length; j++) {
      const g = subsetOf[set[j]]
      if (g < 0) continue
      const d = s.chosen[set[j]] - s.rejected[set[j]]
      won[g] += d > 0 ? 1 : d === 0 ? 0.5 : 0
      count[g]++
    }
    const bySubset: Record<string, { accuracy: number; n: number }> = {}
    names.forEach((n, g) => {
      const accuracy = count[g] ? won[g] / count[g] : Number.NaN
      stats.subsets[n][b] = accuracy
      bySubset[n] = { accuracy, n: count[g] }
    })
    if (sections && stats.sections && stats.score) {
      const sc = sectionScores(bySubset, sections)
      for (const [n, v] of Object.entries(sc.sections)) stats.sections[n][b] = v.score
      stats.score[b] = sc.score
    }
  })
  return stats
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
  const subsets: Record<string, SubsetReport> = {}
  for (const [name, rows] of bySubset) subsets[name] = pairMetrics(s.chosen, s.rejected, rows)
  const stats = o.bootstrap > 0 ? pairBootstrap(s, bootstrapResamples(s.n, o.bootstrap, o.seed), o.sections) : null
  const report: PairReport = { ...pairMetrics(s.chosen, s.rejected), subsets, bootstrap: null }
  if (o.sections) {
    const sc = sectionScores(subsets, o.sections)
    report.sections = sc.sections
    report.score = sc.score
  }
  if (stats) {
    const iv = (v: Float64Array) => percentileInterval(v, o.level)
    report.ci = { accuracy: iv(stats.accuracy), mean_margin: iv(stats.mean_margin) }
    for (const [name, sub] of Object.entries(subsets)) sub.ci = { accuracy: iv(stats.subsets[name]) }
    if (report.sections && stats.sections && stats.score) {
      for (const [name, sec] of Object.entries(report.sections)) sec.ci = iv(stats.sections[name])
      report.ci.score = iv(stats.score)
    }
    report.bootstrap = { resamples: o.bootstrap, seed: o.seed, level: o.level }
  }
  return { report, stats }
}
