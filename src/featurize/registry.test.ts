import assert from 'node:assert/strict'
import { test } from 'node:test'
import { OptionError, RewardfitError } from '../errors.ts'
import { createFeaturizer, FEATURIZER_TYPES, parseBackbone } from './registry.ts'

test('parseBackbone maps every backbone form to its spec', () => {
  assert.deepEqual(parseBackbone('hashing'), { type: 'hashing' })
  assert.deepEqual(parseBackbone('onnx:./models/mini lm'), { type: 'onnx', path: './models/mini lm' })
  assert.deepEqual(parseBackbone('onnx:C:\\models\\x'), { type: 'onnx', path: 'C:\\models\\x' })
  assert.deepEqual(parseBackbone('hf:BAAI/bge-small-en-v1.5'), { type: 'hf', model: 'BAAI/bge-small-en-v1.5' })
  assert.deepEqual(parseBackbone('gguf:/m/qwen.gguf'), { type: 'gguf', path: '/m/qwen.gguf' })
})

test('parseBackbone rejects unknown prefixes and malformed values, listing the valid forms', () => {
  for (const bad of ['bert', 'tfidf:x', 'onnx:', 'hf:noslash', 'hf:a/b/c', '']) {
    assert.throws(
      () => parseBackbone(bad),
      (e: unknown) => e instanceof OptionError && e.option === 'backbone' && /hashing|hf:ORG\/NAME/.test(e.message),
      bad,
    )
  }
})

test('createFeaturizer builds hashing from a spec and rejects unknown types with the valid keys', async () => {
  const f = await createFeaturizer({ type: 'hashing', dim: 256 })
  assert.equal(f.dim, 256)
  assert.equal((await f.featurize([{ prompt: 'a', response: 'b' }])).length, 256)
  assert.deepEqual(FEATURIZER_TYPES, ['hashing', 'onnx', 'hf', 'gguf'])
  await assert.rejects(
    createFeaturizer({ type: 'bow' }),
    (e: unknown) => e instanceof OptionError && FEATURIZER_TYPES.every((t) => e.message.includes(`'${t}'`)),
  )
  await assert.rejects(createFeaturizer({ type: 'toString' }), OptionError)
})

test('onnx and gguf load their modules lazily and fail clearly on a missing file', async () => {
  await assert.rejects(createFeaturizer(parseBackbone('onnx:/nonexistent/rewardfit-model')), RewardfitError)
  await assert.rejects(createFeaturizer(parseBackbone('gguf:/nonexistent/model.gguf')), RewardfitError)
})
