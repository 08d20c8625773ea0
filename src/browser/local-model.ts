/**
 * A RewardModel built in the browser from a model folder's config.json and head.safetensors, so the
 * page can score without a server. Only the hashing backbone runs here (it needs no model weights);
 * the heads run on the plain TypeScript gemm.
 *
 * @example
 *   const model = localModel(JSON.parse(configText), new Uint8Array(await headFile.arrayBuffer()))
 *   const { rewards } = await model.score([{ prompt: 'Hi', response: 'Hello!' }])
 */

import { decodeSafetensors } from '../core/safetensors.ts'
import { RewardfitError } from '../errors.ts'
import { createHashingFeaturizer } from '../featurize/hashing.ts'
import { type HeadSpec, headFromParams } from '../heads/registry.ts'
import type { ModelConfig } from '../model/config.ts'
import { createMerge, splitMergeTensors } from '../model/merge/registry.ts'
import { RewardModel } from '../model/reward-model.ts'
import { UNCERTAINTY_FILE, uncertaintyFromParams } from '../model/uncertainty.ts'

/** Checks the parts of config.json that scoring reads; names the field and the fix. */
export function checkLocalConfig(value: unknown): ModelConfig {
  const fail = (field: string, why: string): never => {
    throw new RewardfitError(`config.json: field "${field}" ${why}; choose the config.json of a rewardfit model folder`)
  }
  if (typeof value !== 'object' || value === null) return fail('(root)', 'is not a JSON object')
  const c = value as Partial<ModelConfig>
  if (!Array.isArray(c.attributes) || c.attributes.length === 0) fail('attributes', 'must be a non-empty list of names')
  const k = (c.attributes as string[]).length
  for (const f of ['attributeWeights', 'targetStats', 'scales'] as const) {
    if (!Array.isArray(c[f]) || (c[f] as unknown[]).length !== k)
      fail(f, `must be a list with one entry per attribute (${k})`)
  }
  if (typeof c.head !== 'object' || c.head === null) fail('head', 'is missing')
  if (c.featurizer?.type !== 'hashing') {
    fail(
      'featurizer',
      `is ${JSON.stringify(c.featurizer?.type ?? null)}; only the "hashing" backbone runs in the browser (use the server for others)`,
    )
  }
  const side = c.sideFeatures?.columns ?? []
  if (side.length > 0) {
    // The page sends only a prompt and a response; it has no input for the numeric side features.
    throw new RewardfitError(
      `config.json: field "sideFeatures" lists ${side.join(', ')}: this model needs those numeric side features for every item, which the page cannot send; ` +
        `score it through the server (POST /v1/score with "features": {${side.map((n) => `${JSON.stringify(n)}: <number>`).join(', ')}} per item) or \`rewardfit score\``,
    )
  }
  return c as ModelConfig
}

/** `uncertaintyBytes`: uncertainty.safetensors, for a std beside each score (null: scores only). */
export function localModel(
  config: unknown,
  headBytes: Uint8Array,
  uncertaintyBytes: Uint8Array | null = null,
): RewardModel {
  const c = checkLocalConfig(config)
  const featurizer = createHashingFeaturizer(c.featurizer ?? {})
  // head.safetensors also holds a learned merge's tensors (merge.*), so the page needs no third file.
  const tensors = splitMergeTensors(decodeSafetensors(headBytes, 'head.safetensors').tensors)
  const head = headFromParams(c.head as HeadSpec, tensors.head)
  const merge = createMerge(c, tensors.merge, 'config.json')
  if (head.spec.inputDim !== featurizer.dim) {
    throw new RewardfitError(
      `config.json: the head takes ${head.spec.inputDim} features but the featurizer makes ${featurizer.dim}; the files do not belong together`,
    )
  }
  const u =
    c.uncertainty && uncertaintyBytes
      ? uncertaintyFromParams(
          c.uncertainty,
          decodeSafetensors(uncertaintyBytes, UNCERTAINTY_FILE).tensors,
          { head, targetStats: c.targetStats },
          'the chosen files',
        )
      : null
  return new RewardModel(c, head, featurizer, merge, u)
}
