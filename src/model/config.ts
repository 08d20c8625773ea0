/** The config.json of a model folder. Bump FORMAT_VERSION on any incompatible change. */

import type { RatingScale, TargetStats } from '../core/targets.ts'
import type { DataMapping } from '../data/mapping.ts'
import type { FeaturizerSpec } from '../featurize/featurizer.ts'
import type { HeadSpec } from '../heads/registry.ts'
import type { MergeSpec } from './merge/merge.ts'

export const FORMAT_VERSION = 1

export type { RatingScale, TargetStats } from '../core/targets.ts'

export interface ModelConfig {
  formatVersion: number
  /** Attribute names, in head output order. */
  attributes: string[]
  /** Weights that merge the attributes into one reward: reward = Σ w_a · score_a. */
  attributeWeights: number[]
  /** Rating scale per attribute, or null where unknown. */
  scales: (RatingScale | null)[]
  /** Head outputs are standardized; score_a = mean_a + std_a · out_a. */
  targetStats: TargetStats[]
  head: HeadSpec & { solver?: string; [k: string]: unknown }
  /** Filled in when a featurizer is attached (null for a head trained on raw features). */
  featurizer: FeaturizerSpec | null
  /** How the attribute scores become the reward (merge/registry.ts); absent means the fixed merge. */
  merge?: MergeSpec
  /** The training file's column mapping and reading options; eval and score default to it. */
  data?: DataMapping
  /** Free-form record of how the model was trained (options, final metrics). */
  training?: Record<string, unknown>
}
