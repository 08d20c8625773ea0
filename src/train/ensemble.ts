/**
 * A deep ensemble (Lakshminarayanan et al. 2017) as a wrapper around train(): N members trained with
 * different seeds (init, shuffling, dropout) and, optionally, each on a bootstrap resample of the
 * training rows. Their mean is the reward; their spread is the model's (epistemic) uncertainty.
 * Nothing inside the training loop changes: each member is one ordinary train() run.
 *
 * @example
 *   const { members } = await trainEnsemble({ train, val }, { head: 'mlp', members: 5, bootstrap: true })
 *   members[0].head.predict(x)   // standardized by members[0].targetStats
 */

import { Rng } from '../compute/rng.ts'
import { type BatchSource, matrixSource } from '../core/batch-source.ts'
import { OptionError } from '../errors.ts'
import { TRAIN_DEFAULTS, type TrainOptions } from './options.ts'
import { type TrainData, type TrainResult, train } from './train.ts'

export interface EnsembleOptions {
  /** Members trained; 1 is a plain model. Range [1, 64]. */
  members?: number
  /** Train each member on a bootstrap resample (n rows drawn with replacement) of the training rows. */
  bootstrap?: boolean
}

export const ENSEMBLE_DEFAULTS = { members: 1, bootstrap: false } satisfies Required<EnsembleOptions>

export function resolveEnsembleOptions(o: EnsembleOptions = {}): Required<EnsembleOptions> {
  const r: Required<EnsembleOptions> = { ...ENSEMBLE_DEFAULTS }
  if (o.members !== undefined) r.members = o.members
  if (o.bootstrap !== undefined) r.bootstrap = o.bootstrap
  if (!Number.isInteger(r.members) || r.members < 1 || r.members > 64) {
    throw new OptionError('ensemble', r.members, 'an integer in [1, 64] (members of the ensemble)')
  }
  return r
}

/** Member m's seed: far apart so that members never share a random stream. */
export const memberSeed = (seed: number, m: number) => (seed + m * 0x9e3779b1) >>> 0

export async function trainEnsemble(
  data: TrainData,
  options: TrainOptions & EnsembleOptions,
): Promise<{ members: TrainResult[] }> {
  const { members: count, bootstrap } = resolveEnsembleOptions(options)
  const { members: _m, bootstrap: _b, ...trainOptions } = options
  const seed = trainOptions.seed ?? TRAIN_DEFAULTS.seed
  if (count > 1 && (trainOptions.checkpointDir || trainOptions.resume)) {
    throw new OptionError(
      'checkpointDir',
      trainOptions.checkpointDir,
      'unset: an ensemble does not checkpoint (train members separately)',
    )
  }
  const members: TrainResult[] = []
  for (let m = 0; m < count; m++) {
    const s = memberSeed(seed, m)
    const trainSet = bootstrap ? await resample(data.train, new Rng(s ^ 0x5bd1e995)) : data.train
    members.push(await train({ ...data, train: trainSet }, { ...trainOptions, seed: s }))
  }
  return { members }
}

/** n rows drawn with replacement (in memory: a resample of an on-disk store is read once). */
async function resample(source: BatchSource, rng: Rng): Promise<BatchSource> {
  const n = source.rows
  const idx = Uint32Array.from({ length: n }, () => rng.int(n))
  const { x, y } = await source.read(idx)
  return matrixSource(x, y, source.attributes)
}
