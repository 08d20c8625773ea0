import assert from 'node:assert/strict'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { type HubServer, startHubServer } from '../../test/helpers/hub-server.ts'
import { RewardfitError } from '../errors.ts'
import { createTransformerFeaturizer, type TransformerProgress } from './transformer.ts'
import { hubCacheFolder } from './transformer-hub.ts'

const MODELS = new URL('../../test/fixtures/models/', import.meta.url).pathname
const PAIRS = [
  { prompt: 'What is the capital of France?', response: 'The capital of France is Paris.' },
  { prompt: 'red', response: 'blue' },
]

describe('hf: backbone through a local Hub server', () => {
  let hub: HubServer
  let cacheDir: string
  before(async () => {
    hub = await startHubServer({
      models: { 'test-org/tiny-bert': join(MODELS, 'tiny-bert'), 'test-org/tiny-llama': join(MODELS, 'tiny-llama') },
    })
    cacheDir = await mkdtemp(join(tmpdir(), 'rewardfit-hub-cache-'))
  })
  after(async () => {
    await hub.close()
    await rm(cacheDir, { recursive: true, force: true })
  })

  test('online: downloads into the cache (transformers.js layout) and gives the onnx: vectors', async () => {
    for (const name of ['tiny-bert', 'tiny-llama']) {
      const events: TransformerProgress[] = []
      const f = await createTransformerFeaturizer(
        { type: 'hf', model: `test-org/${name}` },
        { cacheDir, endpoint: `${hub.url}/`, onProgress: (e) => events.push(e) },
      )
      assert.equal(f.folder, join(cacheDir, 'test-org', name))
      assert.deepEqual((await readdir(join(f.folder, 'onnx'))).sort(), ['model.onnx'])
      assert.ok(events.some((e) => e.phase === 'download' && e.file === 'onnx/model.onnx'))
      const local = await createTransformerFeaturizer({ type: 'onnx', path: join(MODELS, name) })
      assert.deepEqual(await f.featurize(PAIRS), await local.featurize(PAIRS))
      assert.equal(f.spec.type, 'hf')
      assert.equal(f.spec.model, `test-org/${name}`)
      await f.dispose()
      await local.dispose()
    }
    assert.ok(hub.requests.includes('GET /test-org/tiny-bert/resolve/main/config.json'))
    // onnx/model.onnx exists, so the root model.onnx is never asked for.
    assert.ok(!hub.requests.includes('GET /test-org/tiny-bert/resolve/main/model.onnx'))
  })

  test('offline: loads from the cache without a single request', async () => {
    const before = hub.requests.length
    const f = await createTransformerFeaturizer(
      { type: 'hf', model: 'test-org/tiny-bert' },
      { cacheDir, offline: true },
    )
    assert.equal((await f.featurize(PAIRS)).length, 2 * f.dim)
    // Online again with everything cached: still no request.
    const g = await createTransformerFeaturizer(
      { type: 'hf', model: 'test-org/tiny-bert' },
      { cacheDir, endpoint: hub.url },
    )
    assert.equal(g.fingerprint, f.fingerprint)
    assert.equal(hub.requests.length, before)
    // File hashes are remembered next to the models, so big graphs are hashed once.
    assert.ok((await readdir(join(cacheDir, 'file-sha256'))).length >= 4)
    await f.dispose()
    await g.dispose()
  })

  test('offline with no cached copy: a clear error that says how to get the model', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'rewardfit-hub-empty-'))
    const before = hub.requests.length
    await assert.rejects(
      createTransformerFeaturizer({ type: 'hf', model: 'test-org/tiny-bert' }, { cacheDir: empty, offline: true }),
      (e: unknown) => {
        assert.ok(e instanceof RewardfitError)
        assert.match(e.message, /test-org\/tiny-bert is not in the cache .* offline/)
        assert.match(e.message, /huggingface-cli download test-org\/tiny-bert --local-dir DIR.*onnx:DIR/)
        return true
      },
    )
    assert.equal(hub.requests.length, before)
    await rm(empty, { recursive: true, force: true })
  })

  test('an unknown repo or an unreachable endpoint fails clearly', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rewardfit-hub-x-'))
    await assert.rejects(
      createTransformerFeaturizer({ type: 'hf', model: 'test-org/missing' }, { cacheDir: dir, endpoint: hub.url }),
      /test-org\/missing on http:\/\/127\.0\.0\.1:\d+ has no config\.json/,
    )
    const closed = await startHubServer()
    const url = closed.url
    await closed.close()
    await assert.rejects(
      createTransformerFeaturizer({ type: 'hf', model: 'test-org/tiny-bert' }, { cacheDir: dir, endpoint: url }),
      /cannot reach .*HF_ENDPOINT/,
    )
    await rm(dir, { recursive: true, force: true })
  })

  test('a revision other than main gets its own cache folder', () => {
    assert.equal(hubCacheFolder('a/b', '/c'), join('/c', 'a', 'b'))
    assert.equal(hubCacheFolder('a/b', '/c', 'v1'), join('/c', 'a', 'b', 'v1'))
  })
})
