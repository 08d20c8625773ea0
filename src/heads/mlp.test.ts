import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type Matrix, matrix } from '../compute/matrix.ts'
import { Rng } from '../compute/rng.ts'
import { gradientCheck } from './gradient-check.ts'
import type { MlpHeadSpec } from './mlp.ts'
import { createHead } from './registry.ts'

const rand = (rng: Rng, r: number, c: number): Matrix =>
  matrix(
    r,
    c,
    Float32Array.from({ length: r * c }, () => rng.normal()),
  )

const spec = (hidden: number[], activation: 'gelu' | 'relu', dropout = 0): MlpHeadSpec => ({
  type: 'mlp',
  inputDim: 4,
  outputs: 2,
  hidden,
  activation,
  dropout,
})

for (const [hidden, activation, dropout] of [
  [[5], 'gelu', 0],
  [[5], 'relu', 0],
  [[5, 3], 'gelu', 0],
  [[5, 3], 'relu', 0],
  [[6, 4], 'gelu', 0.3],
  [[6], 'relu', 0.4],
] as const) {
  test(`every mlp gradient matches finite differences: hidden [${hidden}], ${activation}, dropout ${dropout}`, async () => {
    // ReLU has a kink at 0; a seed whose pre-activations all sit farther than the step from it.
    const rng = new Rng(activation === 'relu' ? 25 : 21)
    const head = createHead(spec([...hidden], activation, dropout), rng)
    const x = rand(rng, 6, 4)
    const y = Float32Array.from({ length: 12 }, (_, i) => (i === 5 ? Number.NaN : rng.normal()))
    // With dropout the mask comes from a fixed seed, so every forward pass sees the same mask.
    const dropoutSeed = dropout > 0 ? 99 : undefined
    const { worst, checked } = await gradientCheck(head, x, y, { weights: [0.5, 1.5], dropoutSeed })
    const widths = [4, ...hidden, 2]
    assert.equal(
      checked,
      widths.slice(1).reduce((s, w, l) => s + w * (widths[l] + 1), 0),
    )
    assert.ok(worst.score <= 1, JSON.stringify(worst))
  })
}

test('dropout is inverted (kept units scaled by 1/(1-p)), seeded, and off at inference', async () => {
  const rng = new Rng(2)
  const head = createHead({ ...spec([64], 'relu', 0.5), inputDim: 8 }, rng)
  const x = rand(rng, 32, 8)
  const a = await head.forward(x, { train: true, rng: new Rng(1) })
  const b = await head.forward(x, { train: true, rng: new Rng(1) })
  const c = await head.forward(x, { train: true, rng: new Rng(2) })
  const plain = await head.predict(x)
  assert.deepEqual(a.out.data, b.out.data)
  assert.notDeepEqual(a.out.data, c.out.data)
  assert.notDeepEqual(a.out.data, plain.data)
  const noRng = await head.forward(x, { train: true })
  assert.deepEqual(noRng.out.data, plain.data)
  // Inverted dropout keeps the expected output: averaged over masks it approaches the plain output.
  const mean = new Float64Array(plain.data.length)
  const r = new Rng(9)
  for (let t = 0; t < 400; t++) {
    const o = (await head.forward(x, { train: true, rng: r })).out.data
    for (let i = 0; i < o.length; i++) mean[i] += o[i] / 400
  }
  let err = 0
  let scale = 0
  for (let i = 0; i < mean.length; i++) {
    err += Math.abs(mean[i] - plain.data[i])
    scale += Math.abs(plain.data[i])
  }
  assert.ok(err / scale < 0.1, `relative deviation ${err / scale}`)
})
