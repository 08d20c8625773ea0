/**
 * What config.json says for readers outside Node (PyTorch, numpy, another language): that head
 * outputs are standardized and how to undo it, the head as torch modules with the exact activation
 * (torch's own names), and for the hashing featurizer every rule needed to rebuild its vectors.
 * These keys are notes for people and other runtimes; rewardfit itself reads the spec fields.
 *
 * @example
 *   portableNotes({ type: 'mlp', inputDim: 4096, outputs: 5, hidden: [256], activation: 'gelu', dropout: 0.1 }, spec)
 *   // { outputs: {...}, headModule: { activation: "torch.nn.GELU(approximate='none')", ... }, featurizerRules: {...} }
 */
import type { FeaturizerSpec } from '../featurize/featurizer.ts'
import type { HashingOptions } from '../featurize/hashing.ts'
import { hashingRules } from '../featurize/hashing-rules.ts'
import type { Activation } from '../heads/activations.ts'
import type { HeadSpec } from '../heads/registry.ts'

/** Each activation as torch names it; gelu is the exact (erf) form, not the tanh approximation. */
export const TORCH_ACTIVATIONS = {
  gelu: "torch.nn.GELU(approximate='none')",
  relu: 'torch.nn.ReLU()',
} satisfies Record<Activation, string>

export const OUTPUTS_NOTE = {
  standardized: true,
  unstandardize: 'score[a] = targetStats[a].mean + targetStats[a].std * head(x)[a]',
  reward:
    'reward = sum over a of attributeWeights[a] * score[a] (the fixed merge; a learned "merge" says its own rule)',
} as const

export interface PortableNotes {
  outputs: typeof OUTPUTS_NOTE
  headModule: { torch: string; activation: string | null; stateDict: string }
  featurizerRules?: ReturnType<typeof hashingRules>
}

export function portableNotes(head: HeadSpec, featurizer: FeaturizerSpec | null): PortableNotes {
  const notes: PortableNotes = { outputs: OUTPUTS_NOTE, headModule: headModule(head) }
  if (featurizer?.type === 'hashing') {
    const { type: _, ...options } = featurizer
    notes.featurizerRules = hashingRules(options as Required<HashingOptions>)
  }
  return notes
}

function headModule(head: HeadSpec): PortableNotes['headModule'] {
  if (head.type === 'linear') {
    return {
      torch: `linear = torch.nn.Linear(${head.inputDim}, ${head.outputs}); head(x) = linear(x)`,
      activation: null,
      stateDict: 'head.safetensors holds linear.weight [outputs, inputDim] and linear.bias [outputs]',
    }
  }
  const widths = [head.inputDim, ...head.hidden, head.outputs]
  const layers = widths.slice(1).map((w, l) => `torch.nn.Linear(${widths[l]}, ${w})`)
  const act = TORCH_ACTIVATIONS[head.activation]
  return {
    torch:
      `layers = torch.nn.ModuleList([${layers.join(', ')}]); head(x): y = x, then y = act(layers[i](y)) for every ` +
      `layer but the last, head(x) = layers[-1](y), act = ${act}; dropout (${head.dropout}) acts only in training`,
    activation: act,
    stateDict: 'head.safetensors holds layers.N.weight [out, in] and layers.N.bias [out], N = 0, 1, ...',
  }
}
