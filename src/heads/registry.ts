/**
 * Builds heads by their config.json key: fresh (seeded, torch-like init) or from saved parameters.
 *
 * @example
 *   const head = createHead({ type: 'linear', inputDim: 768, outputs: 5 }, new Rng(42))
 *   const same = headFromParams(head.spec, head.params)
 */
import type { Rng } from '../compute/rng.ts'
import { ModelFolderError, OptionError } from '../errors.ts'
import type { Head, HeadSpec, LinearHeadSpec, MlpHeadSpec, ParamSet } from './head.ts'
import { LinearHead } from './linear.ts'
import { MlpHead } from './mlp.ts'
import { paramShapes } from './shapes.ts'

export const heads = {
  linear: (spec: LinearHeadSpec, params: ParamSet): Head => new LinearHead(spec, params),
  mlp: (spec: MlpHeadSpec, params: ParamSet): Head => new MlpHead(spec, params),
}
/** The registry keys, as written to config.json. */
export type HeadType = keyof typeof heads

/** Throws OptionError for a spec no head can be built from. */
export function validateHeadSpec(spec: HeadSpec): void {
  if (!(spec.type in heads)) {
    throw new OptionError(
      'head.type',
      spec.type,
      `one of ${Object.keys(heads)
        .map((k) => `'${k}'`)
        .join(', ')}`,
    )
  }
  const positiveInt = (name: string, v: unknown): void => {
    if (!Number.isInteger(v) || (v as number) < 1) throw new OptionError(name, v, 'a positive integer')
  }
  positiveInt('head.inputDim', spec.inputDim)
  positiveInt('head.outputs', spec.outputs)
  if (spec.type === 'mlp') {
    if (!Array.isArray(spec.hidden) || spec.hidden.length < 1 || spec.hidden.length > 2) {
      throw new OptionError('head.hidden', spec.hidden, 'one or two hidden layer widths, e.g. [256] or [512, 128]')
    }
    for (const h of spec.hidden) positiveInt('head.hidden', h)
    if (spec.activation !== 'gelu' && spec.activation !== 'relu') {
      throw new OptionError('head.activation', spec.activation, "'gelu' or 'relu'")
    }
    if (!(spec.dropout >= 0 && spec.dropout < 1))
      throw new OptionError('head.dropout', spec.dropout, 'a number in [0, 1)')
  }
}

/**
 * A new head initialized as torch's nn.Linear: weight and bias ~ U(-1/√in, 1/√in)
 * (kaiming_uniform with a = √5), drawn from `rng` in parameter order.
 */
export function createHead(spec: HeadSpec, rng: Rng): Head {
  validateHeadSpec(spec)
  const params: ParamSet = {}
  for (const [name, shape] of Object.entries(paramShapes(spec))) {
    const fanIn = name.endsWith('.weight') ? shape[1] : weightFanIn(spec, name)
    const bound = 1 / Math.sqrt(fanIn)
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1))
    for (let i = 0; i < data.length; i++) data[i] = (2 * rng.float() - 1) * bound
    params[name] = { shape: [...shape], data }
  }
  return build(spec, params)
}

/** The fan-in of the layer a bias belongs to. */
function weightFanIn(spec: HeadSpec, biasName: string): number {
  return paramShapes(spec)[biasName.replace(/\.bias$/, '.weight')][1]
}

/** A head over saved parameters (not copied); names and shapes must match `paramShapes(spec)`. */
export function headFromParams(spec: HeadSpec, params: ParamSet, source = 'head.safetensors'): Head {
  validateHeadSpec(spec)
  const want = paramShapes(spec)
  for (const [name, shape] of Object.entries(want)) {
    const t = params[name]
    if (!t)
      throw new ModelFolderError(source, `missing tensor "${name}" (expected shape [${shape}]) for a ${spec.type} head`)
    const n = shape.reduce((a, b) => a * b, 1)
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]) || t.data.length !== n) {
      throw new ModelFolderError(
        source,
        `tensor "${name}" has shape [${t.shape}] but the head spec in config.json needs [${shape}]; the files do not belong together`,
      )
    }
  }
  const extra = Object.keys(params).filter((k) => !(k in want))
  if (extra.length > 0)
    throw new ModelFolderError(source, `unexpected tensors ${extra.join(', ')} for a ${spec.type} head`)
  // Re-keyed in paramShapes order (files may sort names), so iteration order never depends on the source.
  return build(spec, Object.fromEntries(Object.keys(want).map((k) => [k, params[k]])))
}

function build(spec: HeadSpec, params: ParamSet): Head {
  return spec.type === 'linear' ? heads.linear(spec, params) : heads.mlp(spec, params)
}
