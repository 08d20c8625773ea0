import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Rng } from '../compute/rng.ts'
import { ModelFolderError, OptionError } from '../errors.ts'
import { createHead, type HeadSpec, headFromParams, paramShapes } from './registry.ts'

const mlp: HeadSpec = { type: 'mlp', inputDim: 16, outputs: 3, hidden: [8, 4], activation: 'gelu', dropout: 0.1 }

test('createHead: torch-like U(-1/√fan_in, 1/√fan_in) init, seeded and bit-identical per seed', () => {
  const a = createHead(mlp, new Rng(7))
  const b = createHead(mlp, new Rng(7))
  const c = createHead(mlp, new Rng(8))
  assert.deepEqual(Object.keys(a.params), Object.keys(paramShapes(mlp)))
  for (const [name, t] of Object.entries(a.params)) {
    assert.deepEqual(t.shape, paramShapes(mlp)[name])
    assert.deepEqual(t.data, b.params[name].data)
    assert.notDeepEqual(t.data, c.params[name].data)
    const fanIn = paramShapes(mlp)[name.replace('.bias', '.weight')][1]
    const bound = 1 / Math.sqrt(fanIn)
    assert.ok(
      t.data.every((v) => Math.abs(v) <= bound),
      name,
    )
    // Spread over the range, not all tiny.
    assert.ok(Math.max(...t.data.map(Math.abs)) > bound / 2, name)
  }
})

test('headFromParams rebuilds a head that predicts the same, and rejects mismatched tensors', async () => {
  const a = createHead(mlp, new Rng(1))
  const b = headFromParams(mlp, a.params)
  const x = { rows: 2, cols: 16, data: Float32Array.from({ length: 32 }, (_, i) => Math.sin(i)) }
  assert.deepEqual((await a.predict(x)).data, (await b.predict(x)).data)
  const { 'layers.1.bias': _, ...missing } = a.params
  assert.throws(
    () => headFromParams(mlp, missing),
    (e) => e instanceof ModelFolderError && /layers\.1\.bias/.test(e.message),
  )
  const wrong = { ...a.params, 'layers.0.weight': { shape: [8, 15], data: new Float32Array(120) } }
  assert.throws(() => headFromParams(mlp, wrong), /shape \[8,15\].*needs \[8,16\]/)
  assert.throws(
    () => headFromParams(mlp, { ...a.params, extra: { shape: [1], data: new Float32Array(1) } }),
    /unexpected tensors extra/,
  )
})

test('invalid specs give an OptionError naming the field', () => {
  const bad: [Partial<HeadSpec> & Record<string, unknown>, RegExp][] = [
    [{ type: 'tree' } as never, /head\.type.*'linear', 'mlp'/],
    [{ hidden: [] }, /head\.hidden/],
    [{ hidden: [4, 4, 4] }, /head\.hidden/],
    [{ activation: 'tanh' } as never, /head\.activation/],
    [{ dropout: 1 }, /head\.dropout/],
    [{ inputDim: 0 }, /head\.inputDim/],
  ]
  for (const [patch, re] of bad) {
    assert.throws(
      () => createHead({ ...mlp, ...patch } as HeadSpec, new Rng(0)),
      (e) => e instanceof OptionError && re.test(e.message),
    )
  }
})
