/** A small hashing + ridge reward model with uncertainty, fitted in memory (for tests). */
import { matrix } from '../../src/compute/matrix.ts'
import { Rng } from '../../src/compute/rng.ts'
import { matrixSource } from '../../src/core/batch-source.ts'
import { createFeaturizer } from '../../src/featurize/registry.ts'
import { accumulateRidge, fitRidge } from '../../src/fit/ridge.ts'
import { headFromParams } from '../../src/heads/registry.ts'
import { FORMAT_VERSION, type ModelConfig } from '../../src/model/config.ts'
import { fitRidgeUncertainty } from '../../src/model/fit-ridge-uncertainty.ts'
import { RewardModel } from '../../src/model/reward-model.ts'

const words = ['order', 'refund', 'track', 'sorry', 'thanks', 'shipping', 'size', 'return', 'help', 'no']

export async function ridgeModel(): Promise<{ model: RewardModel; pairs: { prompt: string; response: string }[] }> {
  const rng = new Rng(9)
  const featurizer = await createFeaturizer({ type: 'hashing', dim: 64 })
  const pairs = Array.from({ length: 60 }, () => ({
    prompt: 'Where is my order?',
    response: Array.from({ length: 4 }, () => words[rng.int(words.length)]).join(' '),
  }))
  const y = Float32Array.from(pairs.flatMap((p) => [p.response.length / 10 + rng.normal(), rng.float() * 4]))
  const x = matrix(pairs.length, 64, await featurizer.featurize(pairs))
  const acc = await accumulateRidge(matrixSource(x, y, 2))
  const fit = await fitRidge(acc, { alpha: 1 })
  const uncertainty = await fitRidgeUncertainty(acc, fit, { residuals: matrixSource(x, y, 2) })
  const spec = { type: 'linear' as const, inputDim: 64, outputs: 2 }
  const config: ModelConfig = {
    formatVersion: FORMAT_VERSION,
    attributes: ['quality', 'tone'],
    attributeWeights: [0.5, 0.5],
    scales: [null, null],
    targetStats: fit.targetStats,
    head: spec,
    featurizer: featurizer.spec,
    uncertainty: uncertainty.spec,
  }
  return { model: new RewardModel(config, headFromParams(spec, fit.params), featurizer, undefined, uncertainty), pairs }
}
