/**
 * What GET /v1/model tells a client about the model, and the rating scale the page draws bars on.
 * JSON keys are snake_case, like the rest of the HTTP API.
 *
 * @example
 *   modelCard(model.config)
 *   // { attributes: ['helpfulness'], weights: [1], scales: [{ min: 1, max: 5 }],
 *   //   display_scales: [{ min: 1, max: 5, source: 'config' }], backbone: { type: 'hashing', ... }, metrics: {...} }
 */
import type { ModelConfig, RatingScale } from './config.ts'

export interface DisplayScale extends RatingScale {
  /** 'config': the rating scale; 'observed': the range seen in training; 'estimated': mean ± 3 std. */
  source: 'config' | 'observed' | 'estimated'
}

export interface ModelCard {
  format_version: number
  attributes: string[]
  /** The fixed weights (config.json's attributeWeights). */
  weights: number[]
  /**
   * How scores become the reward: config.json's "merge" (type, learned weights or the gate's mean
   * weights, and the fit report), or { type: 'fixed', weights } for the fixed merge.
   */
  merge: Record<string, unknown>
  /** The rating scale per attribute, null where unknown. */
  scales: (RatingScale | null)[]
  /** The range each attribute's bar spans on the page. */
  display_scales: DisplayScale[]
  /** The range of the merged reward implied by display_scales and the weights. */
  reward_scale: RatingScale
  target_stats: { mean: number; std: number }[]
  backbone: Record<string, unknown> | null
  head: Record<string, unknown>
  /** The objective the head was trained on ('rating' unless config.json says otherwise). */
  objective: string
  /** What the reward means when it is not on a rating scale (pairs alone: log-odds), or null. */
  reward: { scale: string; meaning: string } | null
  /** The model's training metrics (config.training.metrics), or null. */
  metrics: Record<string, unknown> | null
  training: Record<string, unknown> | null
}

const isRange = (v: unknown): v is RatingScale =>
  typeof v === 'object' &&
  v !== null &&
  Number.isFinite((v as RatingScale).min) &&
  Number.isFinite((v as RatingScale).max) &&
  (v as RatingScale).max > (v as RatingScale).min

/** Observed per-attribute ranges recorded by training, if it recorded them under a known key. */
function observedRanges(config: ModelConfig): unknown[] | null {
  const t = config.training ?? {}
  for (const key of ['observedRanges', 'observedScales', 'targetRanges']) {
    const v = (t as Record<string, unknown>)[key]
    if (Array.isArray(v)) return v
  }
  return null
}

export function displayScales(config: ModelConfig): DisplayScale[] {
  const observed = observedRanges(config)
  return config.attributes.map((_, a) => {
    const s = config.scales[a]
    if (isRange(s)) return { min: s.min, max: s.max, source: 'config' }
    const o = observed?.[a]
    if (isRange(o)) return { min: o.min, max: o.max, source: 'observed' }
    const { mean, std } = config.targetStats[a]
    const half = 3 * (std > 0 ? std : 1)
    return { min: mean - half, max: mean + half, source: 'estimated' }
  })
}

/**
 * [Σ w·lo, Σ w·hi], taking the low end of a scale where its weight is negative. A learned merge's
 * weights are a softmax (they vary per prompt for a gate): the reward lies in [min lo, max hi].
 */
export function rewardScale(config: ModelConfig, scales: RatingScale[] = displayScales(config)): RatingScale {
  if (config.merge && config.merge.type !== 'fixed') {
    return { min: Math.min(...scales.map((s) => s.min)), max: Math.max(...scales.map((s) => s.max)) }
  }
  let min = 0
  let max = 0
  config.attributeWeights.forEach((w, a) => {
    const lo = w * scales[a].min
    const hi = w * scales[a].max
    min += Math.min(lo, hi)
    max += Math.max(lo, hi)
  })
  return max > min ? { min, max } : { min: min - 1, max: max + 1 }
}

export function modelCard(config: ModelConfig): ModelCard {
  const display = displayScales(config)
  const training = config.training ?? null
  const metrics =
    training && typeof training.metrics === 'object' && training.metrics !== null
      ? (training.metrics as Record<string, unknown>)
      : null
  return {
    format_version: config.formatVersion,
    attributes: config.attributes,
    weights: config.attributeWeights,
    merge: config.merge ?? { type: 'fixed', weights: config.attributeWeights },
    scales: config.scales,
    display_scales: display,
    reward_scale: rewardScale(config, display),
    target_stats: config.targetStats,
    backbone: config.featurizer,
    head: config.head,
    objective: config.objective?.type ?? 'rating',
    reward: config.reward ?? null,
    metrics,
    training,
  }
}
