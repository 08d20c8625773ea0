/**
 * Saves a RewardModel as a folder (atomically: see folder.ts). The featurizer's spec goes into
 * config.json so loadRewardModel can rebuild it; extra files (training log, metrics) ride along.
 */
import { saveModelFolder } from './folder.ts'
import type { RewardModel } from './reward-model.ts'

export async function saveRewardModel(
  dir: string,
  model: RewardModel,
  files: Record<string, string | Uint8Array> = {},
): Promise<void> {
  const config = { ...model.config, featurizer: model.featurizer.spec }
  await saveModelFolder(dir, { config, params: model.head.params, files })
}
