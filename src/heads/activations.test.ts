import assert from 'node:assert/strict'
import { test } from 'node:test'
import { erf, gelu, geluGrad, relu, reluGrad } from './activations.ts'

test('erf matches reference values within 2e-7', () => {
  // Values from scipy.special.erf.
  const ref: [number, number][] = [
    [0, 0],
    [0.1, 0.1124629160182849],
    [0.5, 0.5204998778130465],
    [1, 0.8427007929497149],
    [2, 0.9953222650189527],
    [-1.5, -0.9661051464753108],
    [3.5, 0.9999992569016276],
  ]
  for (const [x, y] of ref) assert.ok(Math.abs(erf(x) - y) < 2e-7, `erf(${x}) = ${erf(x)}, want ${y}`)
})

test('gelu is x·Φ(x) (torch nn.GELU values) and its derivative matches finite differences', () => {
  // torch.nn.functional.gelu(torch.tensor([-2., -0.5, 0., 1., 3.], dtype=torch.float64))
  const ref: [number, number][] = [
    [-2, -0.04550026389635842],
    [-0.5, -0.15426876936299344],
    [0, 0],
    [1, 0.8413447460685429],
    [3, 2.99595030590511],
  ]
  for (const [x, y] of ref) assert.ok(Math.abs(gelu(x) - y) < 2e-7, `gelu(${x}) = ${gelu(x)}, want ${y}`)
  for (const x of [-3, -1.2, -0.3, 0, 0.4, 1.7, 4]) {
    const h = 1e-4
    const fd = (gelu(x + h) - gelu(x - h)) / (2 * h)
    assert.ok(Math.abs(fd - geluGrad(x)) < 1e-5, `gelu'(${x})`)
  }
})

test('relu and its derivative (0 at 0, as torch)', () => {
  assert.deepEqual([-1, 0, 2].map(relu), [0, 0, 2])
  assert.deepEqual([-1, 0, 2].map(reluGrad), [0, 0, 1])
})
