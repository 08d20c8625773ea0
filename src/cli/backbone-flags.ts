/** The --backbone flag and its options, mapped onto a featurizer spec's options (featurize). */
import type { Command } from 'commander'
import type { FeaturizerSpec } from '../featurize/featurizer.ts'
import { TRAIN_MODEL_DEFAULTS } from '../pipeline/options.ts'
import { choiceFlag, intFlag, numberFlag } from './parse-flags.ts'

export interface BackboneFlags {
  backbone: string
  dim?: number
  maxLength?: number
  pooling?: string
  layer?: number
  quantize?: 'none' | 'int8'
}

export function addBackboneFlags(cmd: Command): Command {
  return cmd
    .option(
      '--backbone <spec>',
      "featurizer: 'hashing', 'onnx:DIR', 'hf:ORG/NAME' or 'gguf:FILE'",
      String(TRAIN_MODEL_DEFAULTS.backbone),
    )
    .option('--dim <n>', 'hashing backbone: vector width', intFlag('--dim', 64))
    .option(
      '--max-length <n>',
      'transformer backbones: max tokens (the prompt is cut from the left)',
      intFlag('--max-length', 8),
    )
    .option('--pooling <mode>', "encoder backbones: 'mean' or 'cls'")
    .option(
      '--layer <n>',
      'transformer backbones: hidden layer to read (negative counts from the last)',
      numberFlag('--layer'),
    )
    .option(
      '--quantize <mode>',
      "onnx/hf backbones: 'int8' runs int8 MatMul weights (the folder's onnx/model_quantized.onnx, or quantized on load)",
      choiceFlag('--quantize', ['none', 'int8'] as const),
    )
}

export function backboneOptionsFrom(f: BackboneFlags): Partial<FeaturizerSpec> {
  const o: Partial<FeaturizerSpec> = {}
  if (f.dim !== undefined) o.dim = f.dim
  if (f.maxLength !== undefined) o.maxLength = f.maxLength
  if (f.pooling !== undefined) o.pooling = f.pooling
  if (f.layer !== undefined) o.layer = f.layer
  if (f.quantize !== undefined) o.quantize = f.quantize
  return o
}
