/**
 * Loads a model folder into a RewardModel: validates config.json and head.safetensors, rebuilds the
 * head from its saved weights and the featurizer from its saved spec.
 *
 * @example
 *   const model = await loadRewardModel('models/demo')
 *   model.attributes   // ['relevance', 'completeness', ...]
 */
import { ModelFolderError } from '../errors.ts'
import { type CreateFeaturizerOptions, createFeaturizer } from '../featurize/registry.ts'
import { headFromParams } from '../heads/registry.ts'
import { HEAD_FILE, loadModelFolder } from './folder.ts'
import { createMerge, splitMergeTensors } from './merge/registry.ts'
import { RewardModel } from './reward-model.ts'
import { withSideFeatures } from './side-features.ts'
import { loadUncertainty } from './uncertainty-file.ts'

export type LoadModelOptions = CreateFeaturizerOptions

export async function loadRewardModel(dir: string, options: LoadModelOptions = {}): Promise<RewardModel> {
  const { config, params } = await loadModelFolder(dir)
  if (!config.featurizer) {
    throw new ModelFolderError(dir, 'config.json has no featurizer; this folder holds a bare head, not a reward model')
  }
  const tensors = splitMergeTensors(params)
  const head = headFromParams(config.head, tensors.head, `${dir}/${HEAD_FILE}`)
  const merge = createMerge(config, tensors.merge, dir)
  const backbone = await createFeaturizer(config.featurizer, options)
  // Side features (--features) are appended after the backbone's vector, standardized as in training.
  const featurizer = config.sideFeatures ? withSideFeatures(backbone, config.sideFeatures) : backbone
  if (featurizer.dim !== config.head.inputDim) {
    throw new ModelFolderError(
      dir,
      `the featurizer gives ${featurizer.dim} features but the head expects ${config.head.inputDim}; the backbone changed since training — retrain, or restore the original backbone`,
    )
  }
  // The gate reads the backbone's vector of the prompt (no side features): its width must match.
  const gateDim = merge.readsPrompt ? merge.spec.inputDim : undefined
  if (gateDim !== undefined && gateDim !== backbone.dim) {
    throw new ModelFolderError(
      dir,
      `config.json: the gating merge reads ${gateDim} prompt features but the backbone gives ${backbone.dim}; re-fit the merge (rewardfit merge) or restore the original backbone`,
    )
  }
  const uncertainty = config.uncertainty
    ? await loadUncertainty(dir, config.uncertainty, { head, targetStats: config.targetStats })
    : null
  return new RewardModel(config, head, featurizer, merge, uncertainty)
}
