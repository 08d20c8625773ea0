import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import * as ort from 'onnxruntime-node'
import { DType, encodeModel, node, tensorInfo } from './onnx-proto.ts'
import { quantizeColumns, quantizeMatMulsInt8 } from './onnx-quantize.ts'
import { concatBytes, readFields, readNode } from './onnx-read.ts'
import { Rng } from './rng.ts'

const opsOf = (model: Uint8Array) =>
  readFields(readFields(model).find((f) => f.field === 7)!.bytes!)
    .filter((f) => f.field === 1)
    .map((f) => readNode(f.bytes!).op)

describe('int8 quantization of MatMul weights', () => {
  test('per-column symmetric int8: each weight within half a step of its value', () => {
    const rng = new Rng(1)
    const [k, n] = [7, 5]
    const w = Float32Array.from({ length: k * n }, (_, i) => (i % n === 3 ? 0 : rng.normal() * (1 + (i % n))))
    const { q, scale } = quantizeColumns(w, k, n)
    assert.equal(scale[3], 1, 'an all-zero column gets scale 1')
    for (let i = 0; i < k * n; i++) {
      assert.ok(Math.abs(q[i]) <= 127)
      assert.ok(Math.abs(q[i] * scale[i % n] - w[i]) <= scale[i % n] / 2 + 1e-7, `weight ${i}`)
    }
    // The largest magnitude of each column maps to ±127.
    for (let c = 0; c < n; c++)
      if (c !== 3) assert.equal(Math.max(...Array.from({ length: k }, (_, r) => Math.abs(q[r * n + c]))), 127)
  })

  test('rewrites a private float weight, leaves a shared one alone, and stays close to fp32', async () => {
    const rng = new Rng(2)
    const [k, n] = [16, 8]
    const weight = (name: string) => ({
      name,
      dtype: DType.float,
      dims: [k, n],
      data: Float32Array.from({ length: k * n }, () => rng.normal() * 0.1),
    })
    const fp32 = encodeModel({
      nodes: [
        node('MatMul', ['x', 'w_private'], ['y']),
        node('MatMul', ['x', 'w_shared'], ['z1']),
        node('MatMul', ['x', 'w_shared'], ['z2']),
        node('Add', ['z1', 'z2'], ['z']),
      ],
      inputs: [tensorInfo('x', DType.float, ['m', k])],
      outputs: [tensorInfo('y', DType.float, ['m', n]), tensorInfo('z', DType.float, ['m', n])],
      initializers: [weight('w_private'), weight('w_shared')],
    })
    const { parts, matmuls, bytesBefore, bytesAfter } = quantizeMatMulsInt8(fp32)
    const model = concatBytes(parts)
    assert.equal(matmuls, 1)
    assert.equal(bytesBefore, k * n * 4)
    assert.equal(bytesAfter, k * n + n * 4 + n)
    assert.deepEqual(opsOf(model), [
      'DynamicQuantizeLinear',
      'MatMulInteger',
      'Cast',
      'Mul',
      'Mul',
      'MatMul',
      'MatMul',
      'Add',
    ])
    const x = new ort.Tensor(
      'float32',
      Float32Array.from({ length: 3 * k }, () => rng.normal()),
      [3, k],
    )
    const [a, b] = await Promise.all([fp32, model].map(async (m) => (await ort.InferenceSession.create(m)).run({ x })))
    assert.deepEqual(b.z.data, a.z.data, 'the shared weight is untouched')
    const ya = a.y.data as Float32Array
    const yb = b.y.data as Float32Array
    let err = 0
    let norm = 0
    for (let i = 0; i < ya.length; i++) {
      err += (ya[i] - yb[i]) ** 2
      norm += ya[i] ** 2
    }
    assert.ok(Math.sqrt(err / norm) < 0.02, `relative error ${Math.sqrt(err / norm)}`)
    assert.notDeepEqual(yb, ya)
  })

  test('opset below 11 and non-ONNX bytes are refused', () => {
    const g = {
      nodes: [node('Identity', ['x'], ['y'])],
      inputs: [tensorInfo('x', DType.float, [1])],
      outputs: [tensorInfo('y', DType.float, [1])],
    }
    assert.throws(() => quantizeMatMulsInt8(encodeModel(g, 10)), /opset >= 11/)
    assert.throws(() => quantizeMatMulsInt8(new Uint8Array([0x08, 0x01])), /no graph/)
  })
})
