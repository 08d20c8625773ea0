/**
 * The objective registry: a table from the key written to checkpoints and config.json to the
 * objective's factory. A new objective is one file in src/objectives and one line here.
 *
 * @example
 *   const objective = createObjective({ type: 'rating', weights: [1, 0.5] })
 */
import { OptionError } from '../errors.ts'
import { type BradleyTerryOptions, bradleyTerryObjective, type PairRecord } from './bradley-terry.ts'
import { type CombinedObjectiveOptions, type CombinedRecord, combinedObjective } from './combined.ts'
import type { Objective } from './objective.ts'
import { type RatingObjectiveOptions, type RatingRecord, ratingObjective } from './rating.ts'

export const objectives = {
  rating: (o: RatingObjectiveOptions) => ratingObjective(o),
  'bradley-terry': (o: BradleyTerryOptions) => bradleyTerryObjective(o),
  combined: (o: CombinedObjectiveOptions) => combinedObjective(o),
}
export type ObjectiveType = keyof typeof objectives
export type ObjectiveSpec = { [K in ObjectiveType]: { type: K } & Parameters<(typeof objectives)[K]>[0] }[ObjectiveType]
export const OBJECTIVE_TYPES = Object.keys(objectives) as ObjectiveType[]

/** The epoch record fields of every objective (the rating fields are NaN / null where there are no ratings). */
export type ObjectiveRecord = Partial<RatingRecord> & Partial<PairRecord> & Partial<CombinedRecord>

export function createObjective(spec: ObjectiveSpec): Objective {
  if (!Object.hasOwn(objectives, spec.type)) {
    throw new OptionError('objective.type', spec.type, `one of ${OBJECTIVE_TYPES.map((k) => `'${k}'`).join(', ')}`)
  }
  const { type, ...options } = spec
  // The registry's factories take their own options; the spec's type tag picked the factory.
  return (objectives[type] as (o: typeof options) => Objective)(options)
}
