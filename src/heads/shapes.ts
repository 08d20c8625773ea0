/**
 * Parameter names and shapes of each head, in PyTorch's nn.Linear layout (weight: [out, in]) so a
 * head.safetensors file loads into torch as it is. Used to build heads and to validate model folders.
 *
 * @example
 *   paramShapes({ type: 'linear', inputDim: 768, outputs: 5 })
 *   // { 'linear.weight': [5, 768], 'linear.bias': [5] }
 */
import type { HeadSpec } from './head.ts'

export function paramShapes(spec: HeadSpec): Record<string, number[]> {
  if (spec.type === 'linear') {
    return { 'linear.weight': [spec.outputs, spec.inputDim], 'linear.bias': [spec.outputs] }
  }
  const widths = [spec.inputDim, ...spec.hidden, spec.outputs]
  const shapes: Record<string, number[]> = {}
  for (let l = 0; l + 1 < widths.length; l++) {
    shapes[`layers.${l}.weight`] = [widths[l + 1], widths[l]]
    shapes[`layers.${l}.bias`] = [widths[l + 1]]
  }
  return shapes
}
