import assert from 'node:assert/strict'
import { test } from 'node:test'
import { maxRelErr } from '../../test/helpers/numeric.ts'
import { gemm, gemmRef } from './matmul.ts'
import { matrix, matrix64 } from './matrix.ts'
import { Rng } from './rng.ts'

const rand = (rng: Rng, r: number, c: number) =>
  matrix(
    r,
    c,
    Float32Array.from({ length: r * c }, () => rng.normal()),
  )

test('onnxruntime gemm agrees with the TypeScript reference within 1e-4 relative error, all transposes', async () => {
  const rng = new Rng(1)
  for (const [transA, transB] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    const a = transA ? rand(rng, 150, 97) : rand(rng, 97, 150)
    const b = transB ? rand(rng, 61, 150) : rand(rng, 150, 61)
    const ref = gemmRef(a, b, { transA, transB })
    const fast = await gemm(a, b, { transA, transB, backend: 'ort' })
    assert.equal(fast.rows, 97)
    assert.equal(fast.cols, 61)
    assert.ok(maxRelErr(fast.data, ref.data) < 1e-4, `transA=${transA} transB=${transB}`)
  }
})

test('float64 gemm on onnxruntime matches the reference to 1e-12', async () => {
  const rng = new Rng(2)
  const a = matrix64(
    80,
    70,
    Float64Array.from({ length: 5600 }, () => rng.normal()),
  )
  const b = matrix64(
    80,
    90,
    Float64Array.from({ length: 7200 }, () => rng.normal()),
  )
  const ref = gemmRef(a, b, { transA: true })
  const fast = await gemm(a, b, { transA: true, backend: 'ort' })
  assert.ok(fast.data instanceof Float64Array)
  assert.ok(maxRelErr(fast.data, ref.data) < 1e-12)
})

test('reference gemm computes a hand-checked product', () => {
  const a = matrix(2, 3, Float32Array.from([1, 2, 3, 4, 5, 6]))
  const b = matrix(3, 2, Float32Array.from([7, 8, 9, 10, 11, 12]))
  assert.deepEqual(Array.from(gemmRef(a, b).data), [58, 64, 139, 154])
})

test('gemm rejects mismatched shapes', async () => {
  await assert.rejects(gemm(matrix(2, 3), matrix(2, 3)), /shape mismatch/)
})
