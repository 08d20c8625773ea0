/**
 * Saves a RewardModel as a folder (atomically: see folder.ts). The featurizer's spec goes into
 * config.json so loadRewardModel can rebuild it, with notes for other runtimes (portable-notes.ts); extra files (training log, metrics) ride along.
 */

import { encodeSafetensors } from '../core/safetensors.ts'
import { saveModelFolder } from './folder.ts'
import { portableNotes } from './portable-notes.ts'
import type { RewardModel } from './reward-model.ts'
import { UNCERTAINTY_FILE } from './uncertainty.ts'

export async function saveRewardModel(
  dir: string,
  model: RewardModel,
  files: Record<string, string | Uint8Array> = {},
): Promise<void> {
  // A fixed merge keeps the folder as older versions wrote it (no "merge" field, no merge tensors).
  const { merge } = model
  const u = model.uncertainty
  const config = {
    ...model.config,
    featurizer: model.featurizer.spec,
    ...(merge.spec.type !== 'fixed' && { merge: { ...model.config.merge, ...merge.spec } }),
    ...portableNotes(model.config.head, model.featurizer.spec),
    uncertainty: u?.spec,
  }
  const all = u ? { ...files, [UNCERTAINTY_FILE]: encodeSafetensors(u.params, { rewardfit: 'uncertainty' }) } : files
  await saveModelFolder(dir, { config, params: { ...model.head.params, ...merge.params }, files: all })
}
