/**
 * Options of `rewardfit eval` and the eval library: one source of defaults (EVAL_DEFAULTS),
 * validated once by resolveEvalOptions.
 *
 * @example
 *   resolveEvalOptions({ bootstrap: 200, sections: 'rewardbench' })
 *   // { bootstrap: 200, seed: 0, level: 0.95, bins: 10, worst: 10, batchSize: 64, sections: { Chat: {...}, ... } }
 */
import { OptionError } from '../errors.ts'
import { parseSectionsSpec, type SectionMap } from './sections.ts'

export interface EvalOptions {
  /** Bootstrap resamples behind every confidence interval and model comparison; 0 turns them off. Range [0, 100000]. */
  bootstrap?: number
  /** Seed of the resampling: the same seed gives the same intervals, bit for bit. A uint32. */
  seed?: number
  /** Coverage of the percentile intervals, in (0, 1). */
  level?: number
  /** Calibration bins (equal-count bins of prediction). Range [1, 1000]. */
  bins?: number
  /** Worst-predicted rows (and most wrongly ranked pairs) kept with their texts for the report. Range [0, 1000]. */
  worst?: number
  /** Rows featurized per call. */
  batchSize?: number
  /** RewardBench-style sections for preference data: a map, or a spec string (see sections.ts); null = none. */
  sections?: SectionMap | string | null
}

export interface ResolvedEvalOptions extends Required<Omit<EvalOptions, 'sections'>> {
  sections: SectionMap | null
}

export const EVAL_DEFAULTS = {
  bootstrap: 1000,
  seed: 0,
  level: 0.95,
  bins: 10,
  worst: 10,
  batchSize: 64,
  sections: null,
} satisfies ResolvedEvalOptions

export function resolveEvalOptions(options: EvalOptions = {}): ResolvedEvalOptions {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined))
  const r = { ...EVAL_DEFAULTS, ...given } as Required<EvalOptions>
  const int = (name: string, v: number, lo: number, hi: number) => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new OptionError(name, v, `an integer in [${lo}, ${hi}]`)
  }
  int('bootstrap', r.bootstrap, 0, 100_000)
  int('seed', r.seed, 0, 0xffffffff)
  int('bins', r.bins, 1, 1000)
  int('worst', r.worst, 0, 1000)
  int('batchSize', r.batchSize, 1, 1 << 20)
  if (!(r.level > 0 && r.level < 1)) throw new OptionError('level', r.level, 'a number in (0, 1), e.g. 0.95')
  const sections = typeof r.sections === 'string' ? parseSectionsSpec(r.sections) : (r.sections ?? null)
  return { ...r, sections }
}
