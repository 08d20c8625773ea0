/**
 * The head registry: a table from the config.json key to the head type's file. Adding a head type
 * is one file exporting a HeadKind and one line here; everything else (validation, init, loading,
 * training options, the fused epoch) reads the table.
 *
 * @example
 *   const head = createHead({ type: 'linear', inputDim: 768, outputs: 5 }, new Rng(42))
 *   const same = headFromParams(head.spec, head.params)
 */
import type { Rng } from '../compute/rng.ts'
import type { ParamSet } from '../core/tensor.ts'
import { ModelFolderError, OptionError } from '../errors.ts'
import type { AffineLayers, BaseHeadSpec, Head, HeadKind, HeadOptions } from './head.ts'
import { linearHead } from './linear.ts'
import { mlpHead } from './mlp.ts'

export const heads = {
  linear: linearHead,
  mlp: mlpHead,
}
/** The registry keys, as written to config.json. */
export type HeadType = keyof typeof heads
type SpecOf<K> = K extends HeadKind<infer S> ? S : never
/** Every head type's spec (config.json's "head"). */
export type HeadSpec = SpecOf<(typeof heads)[HeadType]>
export const HEAD_TYPES = Object.keys(heads) as HeadType[]

const kindOf = (spec: BaseHeadSpec): HeadKind<BaseHeadSpec> =>
  heads[spec.type as HeadType] as unknown as HeadKind<BaseHeadSpec>

/** Throws OptionError for a spec no head can be built from. */
export function validateHeadSpec(spec: BaseHeadSpec): void {
  if (!Object.hasOwn(heads, spec.type)) {
    throw new OptionError('head.type', spec.type, `one of ${HEAD_TYPES.map((k) => `'${k}'`).join(', ')}`)
  }
  const positiveInt = (name: string, v: unknown): void => {
    if (!Number.isInteger(v) || (v as number) < 1) throw new OptionError(name, v, 'a positive integer')
  }
  positiveInt('head.inputDim', spec.inputDim)
  positiveInt('head.outputs', spec.outputs)
  kindOf(spec).validate(spec)
}

/** Parameter names and shapes in PyTorch's nn.Linear layout (weight [out, in]), in init order. */
export function paramShapes(spec: BaseHeadSpec): Record<string, number[]> {
  return kindOf(spec).paramShapes(spec)
}

/** The spec of a head type that training options ask for. */
export function headSpecFromOptions(type: HeadType, o: HeadOptions, inputDim: number, outputs: number): HeadSpec {
  return heads[type].fromOptions(o, inputDim, outputs)
}

/** The head as a stack of affine layers (how the fused epoch runs it), or null if it is not one. */
export function headLayers(spec: BaseHeadSpec): AffineLayers | null {
  return kindOf(spec).layers(spec)
}

/**
 * A new head initialized as torch's nn.Linear: weight and bias ~ U(-1/√in, 1/√in)
 * (kaiming_uniform with a = √5), drawn from `rng` in parameter order.
 */
export function createHead(spec: HeadSpec, rng: Rng): Head {
  validateHeadSpec(spec)
  const params: ParamSet = {}
  const shapes = paramShapes(spec)
  for (const [name, shape] of Object.entries(shapes)) {
    // A bias takes the fan-in of its layer's weight.
    const fanIn = name.endsWith('.weight') ? shape[1] : shapes[name.replace(/\.bias$/, '.weight')][1]
    const bound = 1 / Math.sqrt(fanIn)
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1))
    for (let i = 0; i < data.length; i++) data[i] = (2 * rng.float() - 1) * bound
    params[name] = { shape: [...shape], data }
  }
  return kindOf(spec).build(spec, params)
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
  return kindOf(spec).build(spec, Object.fromEntries(Object.keys(want).map((k) => [k, params[k]])))
}
