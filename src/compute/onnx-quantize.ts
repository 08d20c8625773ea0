/**
 * Dynamic int8 quantization of an ONNX graph's MatMul weights, as onnxruntime's Python
 * `quantize_dynamic` does it, in TypeScript: every `MatMul(A, W)` whose W is a float initializer
 * [K, N] used by that node alone becomes
 *
 *   Aq, As, Az = DynamicQuantizeLinear(A)            // uint8, per tensor, computed at run time
 *   Y = Cast(MatMulInteger(Aq, Wq, Az, Wz)) * (As * Ws)
 *
 * with Wq = round(W / Ws) in [-127, 127], Ws = max_k |W[k, n]| / 127 per output column n (Wz = 0).
 * onnxruntime fuses that pattern into its DynamicQuantizeMatMul kernel (u8 x s8 integer GEMM).
 * Everything else (embeddings, norms, attention arithmetic) stays float32, and every other byte of
 * the file is copied verbatim.
 *
 * @example
 *   const { parts, matmuls } = quantizeMatMulsInt8(await readFile('onnx/model.onnx'))
 *   matmuls   // 36 for a 6-layer BERT (Q, K, V, output and two FFN matrices per layer)
 *   await ort.InferenceSession.create(concatBytes(parts))
 */

import { DType, encodeNode, encodeTensor, type NodeSpec, node } from './onnx-proto.ts'
import { type Field, fieldString, lengthField, lengthHeader, readFields, readNode, readTensor } from './onnx-read.ts'

/** Bumped whenever this file could quantize the same graph differently (it is part of fingerprints). */
export const INT8_QUANTIZER_VERSION = 'int8-dynamic-percolumn-1'

export interface QuantizeResult {
  /**
   * The quantized model as consecutive pieces, most of them views into the input: write them in order
   * (a file) or join them (concatBytes) — never both, so that a large graph is not held twice.
   */
  parts: Uint8Array[]
  /** MatMul nodes rewritten. */
  matmuls: number
  /** float32 bytes of the weights replaced, and the int8 + scale bytes that replaced them. */
  bytesBefore: number
  bytesAfter: number
}

// ModelProto: graph 7, opset_import 8 (OperatorSetIdProto: domain 1, version 2).
// GraphProto: node 1, initializer 5, output 12.
export function quantizeMatMulsInt8(bytes: Uint8Array): QuantizeResult {
  const model = readFields(bytes)
  const graphField = model.find((f) => f.field === 7)
  if (!graphField?.bytes) throw new RangeError('not an ONNX model: no graph')
  const opset = model
    .filter((f) => f.field === 8)
    .map((f) => readFields(f.bytes!))
    .find((o) => !o.some((x) => x.field === 1 && x.bytes!.length > 0))
  const version = opset?.find((x) => x.field === 2)?.int ?? 0
  if (version < 11)
    throw new RangeError(`int8 quantization needs ONNX opset >= 11 (DynamicQuantizeLinear); this graph has ${version}`)

  const graph = readFields(graphField.bytes)
  const nodes = graph.filter((f) => f.field === 1).map((f) => ({ f, n: readNode(f.bytes!) }))
  const uses = new Map<string, number>()
  for (const { n } of nodes) for (const i of n.inputs) uses.set(i, (uses.get(i) ?? 0) + 1)
  const outputs = new Set(graph.filter((f) => f.field === 12).map((f) => fieldString(readFields(f.bytes!)[0])))
  const subgraphBytes = nodes.filter(({ n }) => n.hasSubgraph).map(({ f }) => Buffer.from(f.bytes!))
  const readBySubgraph = (name: string) => subgraphBytes.some((b) => b.includes(name))

  const inits = new Map(
    graph
      .filter((f) => f.field === 5)
      .map((f) => {
        const t = readTensor(f.bytes!)
        return [t.name, { f, t }] as const
      }),
  )
  const quantizable = (w: string) => {
    const init = inits.get(w)
    return (
      init !== undefined &&
      init.t.dtype === DType.float &&
      init.t.dims.length === 2 &&
      !init.t.external &&
      uses.get(w) === 1 &&
      !outputs.has(w) &&
      !readBySubgraph(w)
    )
  }

  const replaced = new Map<Field, Uint8Array[]>()
  const dropped = new Set<Field>()
  const added: Uint8Array[] = []
  const quantizedInputs = new Set<string>()
  let matmuls = 0
  let bytesBefore = 0
  let bytesAfter = 0
  for (const { f, n } of nodes) {
    if (n.op !== 'MatMul' || n.domain !== '' || n.inputs.length !== 2 || !quantizable(n.inputs[1])) continue
    const [a, w] = n.inputs
    const init = inits.get(w)!
    const values = init.t.floats()
    if (!values) continue
    const [k, cols] = init.t.dims
    const { q, scale } = quantizeColumns(values, k, cols)
    const p = `rewardfit_q8/${w}`
    added.push(
      lengthField(5, encodeTensor({ name: `${p}/q`, dtype: DType.int8, dims: [k, cols], data: q })),
      lengthField(5, encodeTensor({ name: `${p}/scale`, dtype: DType.float, dims: [cols], data: scale })),
      lengthField(5, encodeTensor({ name: `${p}/zero`, dtype: DType.int8, dims: [cols], data: new Int8Array(cols) })),
    )
    const aq = `rewardfit_q8/${a}`
    const out: NodeSpec[] = []
    // One DynamicQuantizeLinear per activation, shared by the MatMuls that read it (Q, K and V).
    if (!quantizedInputs.has(a)) {
      quantizedInputs.add(a)
      out.push(node('DynamicQuantizeLinear', [a], [`${aq}/q`, `${aq}/scale`, `${aq}/zero`]))
    }
    out.push(
      node('MatMulInteger', [`${aq}/q`, `${p}/q`, `${aq}/zero`, `${p}/zero`], [`${p}/int32`]),
      node('Cast', [`${p}/int32`], [`${p}/float`], { to: { int: DType.float } }),
      node('Mul', [`${aq}/scale`, `${p}/scale`], [`${p}/scales`]),
      node('Mul', [`${p}/float`, `${p}/scales`], n.outputs),
    )
    replaced.set(
      f,
      out.map((o) => lengthField(1, encodeNode(o))),
    )
    dropped.add(init.f)
    matmuls++
    bytesBefore += values.byteLength
    bytesAfter += q.byteLength + scale.byteLength + cols
  }

  const graphParts = [...graph.flatMap((f) => (dropped.has(f) ? [] : (replaced.get(f) ?? [f.raw]))), ...added]
  const graphLength = graphParts.reduce((n, p) => n + p.length, 0)
  const parts = model.flatMap((f) => (f === graphField ? [lengthHeader(7, graphLength), ...graphParts] : [f.raw]))
  return { parts, matmuls, bytesBefore, bytesAfter }
}

/** Symmetric per-column int8: W [k, n] row-major → q [k, n], scale [n]. An all-zero column gets scale 1. */
export function quantizeColumns(w: Float32Array, k: number, n: number): { q: Int8Array; scale: Float32Array } {
  const scale = new Float32Array(n)
  for (let r = 0; r < k; r++) {
    for (let c = 0; c < n; c++) scale[c] = Math.max(scale[c], Math.abs(w[r * n + c]))
  }
  for (let c = 0; c < n; c++) scale[c] = scale[c] > 0 ? scale[c] / 127 : 1
  const q = new Int8Array(k * n)
  for (let r = 0; r < k; r++) {
    for (let c = 0; c < n; c++) q[r * n + c] = Math.max(-127, Math.min(127, Math.round(w[r * n + c] / scale[c])))
  }
  return { q, scale }
}
