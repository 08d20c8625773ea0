import assert from 'node:assert/strict'
import { test } from 'node:test'
import { gemmRef } from '../compute/matmul.ts'
import { DType, node, tensorInfo } from '../compute/onnx-proto.ts'
import { Rng } from '../compute/rng.ts'
import { cachedSession, ort } from './session-stub.ts'

const rand = (rows: number, cols: number, rng: Rng) => ({
  rows,
  cols,
  data: Float32Array.from({ length: rows * cols }, () => rng.normal()),
})

test('the browser stand-in runs a one-node Gemm graph as gemmRef, for every transpose', async () => {
  const rng = new Rng(3)
  for (const [transA, transB] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ]) {
    const a = transA ? rand(7, 5, rng) : rand(5, 7, rng)
    const b = transB ? rand(4, 7, rng) : rand(7, 4, rng)
    // The same graph gemm() builds.
    const session = await cachedSession('gemm', () => ({
      nodes: [node('Gemm', ['a', 'b'], ['c'], { transA: { int: transA ? 1 : 0 }, transB: { int: transB ? 1 : 0 } })],
      inputs: [tensorInfo('a', DType.float, ['ar', 'ac']), tensorInfo('b', DType.float, ['br', 'bc'])],
      outputs: [tensorInfo('c', DType.float, ['m', 'n'])],
    }))
    const res = await session.run({
      a: new ort.Tensor('float32', a.data, [a.rows, a.cols]),
      b: new ort.Tensor('float32', b.data, [b.rows, b.cols]),
    })
    const ref = gemmRef(a, b, { transA, transB })
    assert.deepEqual(res.c.dims, [5, 4])
    assert.deepEqual(res.c.data, ref.data)
  }
})

test('the browser stand-in refuses graphs other than a single Gemm, saying why', async () => {
  await assert.rejects(
    cachedSession('relu', () => ({
      nodes: [node('Relu', ['x'], ['y'])],
      inputs: [tensorInfo('x', DType.float, ['n'])],
      outputs: [tensorInfo('y', DType.float, ['n'])],
    })),
    /needs onnxruntime, which the browser bundle does not include/,
  )
})
