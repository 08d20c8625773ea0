import assert from 'node:assert/strict'
import { test } from 'node:test'
import { gemmRef } from '../compute/matmul.ts'
import { type Matrix, matrix } from '../compute/matrix.ts'
import { Rng } from '../compute/rng.ts'
import { gradientCheck } from './gradient-check.ts'
import { createHead } from './registry.ts'

const rand = (rng: Rng, r: number, c: number): Matrix =>
  matrix(
    r,
    c,
    Float32Array.from({ length: r * c }, () => rng.normal()),
  )

test('linear forward is X·Wᵀ + b in PyTorch layout', async () => {
  const rng = new Rng(3)
  const head = createHead({ type: 'linear', inputDim: 4, outputs: 2 }, rng)
  const x = rand(rng, 3, 4)
  const out = await head.predict(x)
  const w = head.params['linear.weight']
  assert.deepEqual(w.shape, [2, 4])
  const ref = gemmRef(x, { rows: 2, cols: 4, data: w.data }, { transB: true })
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 2; j++) {
      const want = ref.data[i * 2 + j] + head.params['linear.bias'].data[j]
      assert.ok(Math.abs(out.data[i * 2 + j] - want) < 1e-6)
    }
  }
})

test('every linear parameter gradient matches finite differences of L_rating (with missing labels)', async () => {
  const rng = new Rng(11)
  const head = createHead({ type: 'linear', inputDim: 5, outputs: 3 }, rng)
  const x = rand(rng, 7, 5)
  const y = Float32Array.from({ length: 21 }, (_, i) => (i % 8 === 3 ? Number.NaN : rng.normal()))
  const { worst, checked } = await gradientCheck(head, x, y, { weights: [0.5, 1.5, 2.5] })
  assert.equal(checked, 3 * 5 + 3)
  assert.ok(worst.score <= 1, JSON.stringify(worst))
})

test('linear gradients agree between the TS and onnxruntime gemm paths (large batch)', async () => {
  const rng = new Rng(5)
  const head = createHead({ type: 'linear', inputDim: 300, outputs: 4 }, rng)
  const x = rand(rng, 256, 300) // 307k multiply-adds: onnxruntime
  const g = rand(rng, 256, 4)
  const grads = await (await head.forward(x)).backward(g)
  const ref = gemmRef(g, x, { transA: true })
  let err = 0
  for (let i = 0; i < ref.data.length; i++) err = Math.max(err, Math.abs(ref.data[i] - grads['linear.weight'].data[i]))
  assert.ok(err < 1e-3, `max abs error ${err}`)
})
