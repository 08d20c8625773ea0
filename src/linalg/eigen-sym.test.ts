import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Rng } from '../compute/rng.ts'
import { eigenSym } from './eigen-sym.ts'

function randomSym(rng: Rng, n: number): Float64Array {
  const a = new Float64Array(n * n)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = rng.normal()
      a[i * n + j] = v
      a[j * n + i] = v
    }
  }
  return a
}

test('2x2 hand case: [[2,1],[1,2]] has eigenvalues 1 and 3 with vectors (1,-1)/√2, (1,1)/√2', () => {
  const { values, vectors } = eigenSym(Float64Array.from([2, 1, 1, 2]), 2)
  assert.ok(Math.abs(values[0] - 1) < 1e-14 && Math.abs(values[1] - 3) < 1e-14)
  assert.ok(Math.abs(Math.abs(vectors[0]) - Math.SQRT1_2) < 1e-14)
  assert.ok(Math.abs(vectors[0] + vectors[1]) < 1e-14, 'first vector is ±(1,-1)/√2')
  assert.ok(Math.abs(vectors[2] - vectors[3]) < 1e-14, 'second vector is ±(1,1)/√2')
})

for (const n of [1, 3, 17, 60]) {
  test(`random symmetric ${n}x${n}: V·diag(λ)·Vᵀ reconstructs A, VᵀV = I, values ascending`, () => {
    const rng = new Rng(n)
    const a = randomSym(rng, n)
    const { values, vectors: vt } = eigenSym(a, n)
    let recon = 0
    let orth = 0
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0
        let o = 0
        for (let c = 0; c < n; c++) {
          s += vt[c * n + i] * values[c] * vt[c * n + j]
          o += vt[i * n + c] * vt[j * n + c]
        }
        recon = Math.max(recon, Math.abs(s - a[i * n + j]))
        orth = Math.max(orth, Math.abs(o - (i === j ? 1 : 0)))
      }
    }
    assert.ok(recon < 1e-11, `reconstruction error ${recon}`)
    assert.ok(orth < 1e-12, `orthogonality error ${orth}`)
    for (let i = 1; i < n; i++) assert.ok(values[i - 1] <= values[i])
  })
}

test('rank-deficient and diagonal inputs: zero eigenvalues, exact diagonal', () => {
  // u·uᵀ with u = (1, 2, 2): eigenvalues 0, 0, 9.
  const u = [1, 2, 2]
  const a = Float64Array.from({ length: 9 }, (_, i) => u[Math.floor(i / 3)] * u[i % 3])
  const { values } = eigenSym(a, 3)
  assert.ok(Math.abs(values[0]) < 1e-13 && Math.abs(values[1]) < 1e-13 && Math.abs(values[2] - 9) < 1e-13)
  const diag = eigenSym(Float64Array.from([3, 0, 0, 0, -1, 0, 0, 0, 2]), 3)
  assert.deepEqual(Array.from(diag.values), [-1, 2, 3])
})

test('deterministic: identical input gives bit-identical output', () => {
  const a = randomSym(new Rng(9), 30)
  const r1 = eigenSym(a, 30)
  const r2 = eigenSym(a, 30)
  assert.deepEqual(r1.values, r2.values)
  assert.deepEqual(r1.vectors, r2.vectors)
})
