/** Named float32 tensors: head parameters, gradients, optimizer buffers and safetensors contents. */

/** A named float32 tensor, as stored in head.safetensors. */
export interface Tensor {
  shape: number[]
  data: Float32Array
}
export type ParamSet = Record<string, Tensor>
