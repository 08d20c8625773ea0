import assert from 'node:assert/strict'
import { test } from 'node:test'
import { hashingModel } from '../../test/browser/hashing-model.ts'
import { ridgeModel } from '../../test/helpers/ridge-model.ts'
import { encodeSafetensors } from '../core/safetensors.ts'
import { localModel } from './local-model.ts'

const pairs = [
  { prompt: 'What is 2 + 2?', response: 'Four.' },
  { prompt: 'What is 2 + 2?', response: 'It is 4, because two plus two makes four.' },
]

for (const head of ['linear', 'mlp'] as const) {
  test(`localModel rebuilds a ${head} model from config.json and head.safetensors bytes, scoring identically`, async () => {
    const model = hashingModel({ head })
    const config = JSON.parse(JSON.stringify(model.config))
    const local = localModel(config, encodeSafetensors(model.head.params))
    const a = await model.score(pairs)
    const b = await local.score(pairs)
    assert.deepEqual(b.rewards, a.rewards)
    assert.deepEqual(b.scores, a.scores)
    assert.notEqual(a.rewards[0], a.rewards[1])
  })
}

test('localModel names the field and the fix for files it cannot use', () => {
  const model = hashingModel()
  const head = encodeSafetensors(model.head.params)
  const config = () => JSON.parse(JSON.stringify(model.config))
  assert.throws(
    () => localModel({ ...config(), featurizer: { type: 'onnx', path: 'x' } }, head),
    /field "featurizer" is "onnx"; only the "hashing" backbone runs in the browser/,
  )
  assert.throws(
    () => localModel({ ...config(), attributeWeights: [1] }, head),
    /field "attributeWeights" must be a list with one entry per attribute \(3\)/,
  )
  assert.throws(() => localModel([], head), /field "attributes"/)
  assert.throws(() => localModel(config(), head.subarray(0, 20)), /head.safetensors/)
  const other = hashingModel({ dim: 256 })
  assert.throws(
    () => localModel(config(), encodeSafetensors(other.head.params)),
    /shape \[3,256\].*\[3,512\]|do not belong together/,
  )
})

test('localModel reads a gating merge from head.safetensors and weighs each prompt as the server does', async () => {
  const model = hashingModel({ merge: 'gating' })
  const config = JSON.parse(JSON.stringify(model.config))
  const local = localModel(config, encodeSafetensors({ ...model.head.params, ...model.merge.params }))
  assert.equal(local.merge.spec.type, 'gating')
  const texts = [...pairs, { prompt: 'Name a colour.', response: 'Four.' }]
  const a = await model.score(texts)
  const b = await local.score(texts)
  assert.deepEqual(b.rewards, a.rewards)
  assert.deepEqual(b.weights, a.weights)
  // Same response, different prompt: different weights.
  assert.notDeepEqual(a.weights?.slice(0, 3), a.weights?.slice(6, 9))
})

test('with uncertainty.safetensors the browser model gives the same std as Node', async () => {
  const { model, pairs: rows } = await ridgeModel()
  const u = model.uncertainty
  assert.ok(u)
  const config = JSON.parse(JSON.stringify({ ...model.config, uncertainty: u.spec }))
  const local = localModel(config, encodeSafetensors(model.head.params), encodeSafetensors(u.params))
  const want = await model.score(rows.slice(0, 5))
  const got = await local.score(rows.slice(0, 5))
  assert.deepEqual(got.std, want.std)
  assert.equal((await localModel(config, encodeSafetensors(model.head.params)).score(rows.slice(0, 1))).std, undefined)
})

test('a model with side features (--features) is refused in the browser with the way to score it', () => {
  const model = hashingModel()
  const head = encodeSafetensors(model.head.params)
  const config = {
    ...JSON.parse(JSON.stringify(model.config)),
    sideFeatures: { columns: ['model_scores'], mean: [0], std: [1] },
  }
  assert.throws(
    () => localModel(config, head),
    /field "sideFeatures" lists model_scores: .*page cannot send; score it through the server \(POST \/v1\/score with "features": \{"model_scores": <number>\} per item\)/,
  )
})
