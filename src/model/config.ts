/** The config.json of a model folder. Bump FORMAT_VERSION on any incompatible change. */

import type { RatingScale, TargetStats } from '../core/targets.ts'
import type { DataMapping } from '../data/mapping.ts'
import type { FeaturizerSpec } from '../featurize/featurizer.ts'
import type { HeadSpec } from '../heads/registry.ts'
import type { MergeSpec } from './merge/merge.ts'
import type { PortableNotes } from './portable-notes.ts'
import type { SideFeatures } from './side-features.ts'
import type { UncertaintySpec } from './uncertainty.ts'

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
  /** Numeric side features appended to the featurizer's vector (--features); absent = none. */
  sideFeatures?: SideFeatures
  /** The training file's column mapping and reading options; eval and score default to it. */
  data?: DataMapping
  /** Notes for readers outside Node, written on save (portable-notes.ts): standardized outputs,
   *  the head as torch modules, the hashing featurizer's rules. Not read back. */
  outputs?: PortableNotes['outputs']
  headModule?: PortableNotes['headModule']
  featurizerRules?: PortableNotes['featurizerRules']
  /** Predictive uncertainty (tensors in uncertainty.safetensors); absent in older folders. */
  uncertainty?: UncertaintySpec
  /** The objective the head was trained on (absent: rating). */
  objective?: { type: string; [option: string]: unknown }
  /** What the reward means when it is not on a rating scale (a pairs-only model: a log-odds scale). */
  reward?: { scale: string; meaning: string }
  /** Free-form record of how the model was trained (options, final metrics). */
  training?: Record<string, unknown>
}
