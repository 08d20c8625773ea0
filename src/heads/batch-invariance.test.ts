import assert from 'node:assert/strict'
import { test } from 'node:test'
import { INVARIANT_BLOCK_ROWS } from '../compute/matmul.ts'
import { gatherRows, type Matrix, matrix } from '../compute/matrix.ts'
import { Rng } from '../compute/rng.ts'
import type { HeadSpec } from './registry.ts'
import { createHead } from './registry.ts'

// Shapes on both sides of the backend switch: d = 64 and linear 768 → 5 stay on the TypeScript
// product; linear 4096 → 5 and the MLPs' first layers run on onnxruntime.
const specs: HeadSpec[] = [
  { type: 'linear', inputDim: 64, outputs: 3 },
  { type: 'linear', inputDim: 768, outputs: 5 },
  { type: 'linear', inputDim: 4096, outputs: 5 },
  { type: 'mlp', inputDim: 768, outputs: 5, hidden: [256], activation: 'gelu', dropout: 0 },
  { type: 'mlp', inputDim: 512, outputs: 2, hidden: [64, 32], activation: 'relu', dropout: 0.1 },
]

const rowOf = (m: Matrix, i: number) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols))

test('predict: a row scores bit-identically alone, in any batch size and at any position', async () => {
  for (const spec of specs) {
    const rng = new Rng(3)
    const head = createHead(spec, rng)
    const n = 2 * INVARIANT_BLOCK_ROWS + 5
    const x = matrix(
      n,
      spec.inputDim,
      Float32Array.from({ length: n * spec.inputDim }, () => rng.normal()),
    )
    const all = await head.predict(x)
    const name = `${spec.type} ${spec.inputDim}`
    for (let i = 0; i < n; i++) {
      const alone = await head.predict(gatherRows(x, [i]))
      assert.deepEqual(rowOf(alone, 0), rowOf(all, i), `${name}: row ${i} alone vs in the batch of ${n}`)
    }
    // Reversed, and subsets of other sizes where each row lands at another position in its block.
    const orders = [
      Array.from({ length: n }, (_, i) => n - 1 - i),
      [5, 0, 17, 3],
      Array.from({ length: 23 }, (_, i) => (i * 7) % n),
    ]
    for (const order of orders) {
      const some = await head.predict(gatherRows(x, order))
      order.forEach((i, p) => {
        assert.deepEqual(rowOf(some, p), rowOf(all, i), `${name}: row ${i} at position ${p} of ${order.length}`)
      })
    }
  }
})

test('predict equals the training forward pass up to rounding (dropout off)', async () => {
  for (const spec of specs) {
    const rng = new Rng(4)
    const head = createHead(spec, rng)
    const x = matrix(
      40,
      spec.inputDim,
      Float32Array.from({ length: 40 * spec.inputDim }, () => rng.normal()),
    )
    const p = await head.predict(x)
    const f = (await head.forward(x)).out
    for (let i = 0; i < p.data.length; i++) {
      assert.ok(Math.abs(p.data[i] - f.data[i]) <= 1e-5 * Math.max(1, Math.abs(f.data[i])), `${spec.type} ${i}`)
    }
  }
})
