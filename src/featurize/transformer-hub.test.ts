import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative, sep } from 'node:path'
import { after, before, describe, test } from 'node:test'
import {
  type HubDatasetServer,
  type HubServerOptions,
  startHubDatasetServer,
} from '../../test/helpers/hub-dataset-server.ts'
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

describe('hf: model downloads go through the one download client (tree listing, retries, resume, checksums)', () => {
  const files: Record<string, Uint8Array> = {}
  let dir: string
  before(async () => {
    const root = join(MODELS, 'tiny-bert')
    for (const f of await readdir(root, { recursive: true, withFileTypes: true })) {
      if (!f.isFile()) continue
      const full = join(f.parentPath, f.name)
      files[relative(root, full).split(sep).join('/')] = await readFile(full)
    }
    dir = await mkdtemp(join(tmpdir(), 'rewardfit-hub-dl-'))
  })
  after(() => rm(dir, { recursive: true, force: true }))
  const serve = (options: HubServerOptions = {}) =>
    startHubDatasetServer({}, { ...options, models: { 'test-org/tiny-bert': { main: files } } })
  const load = (cacheDir: string, endpoint: string) =>
    createTransformerFeaturizer(
      { type: 'hf', model: 'test-org/tiny-bert' },
      { cacheDir: join(dir, cacheDir), endpoint },
    )
  const gets = (hub: HubDatasetServer, suffix: string) =>
    hub.requests.filter((r) => r.method === 'GET' && r.url.endsWith(suffix))

  test('a model file cut off mid-way is resumed with a Range request, and the vectors are right', async () => {
    const hub = await serve({ cutOnce: new Set(['onnx/model.onnx']) })
    try {
      const f = await load('cut', hub.endpoint)
      // The listing was asked for, and the graph came in two requests, the second resuming.
      assert.ok(hub.requests.some((r) => r.url.startsWith('/api/models/test-org/tiny-bert/tree/main')))
      // LFS files are redirected to the "CDN", which sends the bytes.
      const graph = gets(hub, '/onnx/model.onnx').filter((r) => r.url.startsWith('/cdn/'))
      assert.equal(graph.length, 2)
      const half = Math.floor(files['onnx/model.onnx'].length / 2)
      assert.equal(graph[1].headers.range, `bytes=${half}-`)
      const local = await createTransformerFeaturizer({ type: 'onnx', path: join(MODELS, 'tiny-bert') })
      assert.deepEqual(await f.featurize(PAIRS), await local.featurize(PAIRS))
      await f.dispose()
      await local.dispose()
    } finally {
      await hub.close()
    }
  })

  test('a transient 503 is retried', async () => {
    const hub = await serve({ failOnce: { 'config.json': 503 } })
    try {
      const f = await load('retry', hub.endpoint)
      assert.equal(gets(hub, '/resolve/main/config.json').length, 2)
      assert.deepEqual(await readFile(join(f.folder, 'config.json')), Buffer.from(files['config.json']))
      await f.dispose()
    } finally {
      await hub.close()
    }
  })

  test('a file that does not match the listed sha256 fails clearly, and nothing is kept', async () => {
    const hub = await serve({ corrupt: new Set(['onnx/model.onnx']) })
    try {
      await assert.rejects(load('corrupt', hub.endpoint), (e: unknown) => {
        assert.ok(e instanceof RewardfitError)
        assert.match(
          e.message,
          /test-org\/tiny-bert onnx\/model\.onnx: sha256 [0-9a-f]{64} does not match the Hub's [0-9a-f]{64}/,
        )
        assert.match(e.message, /deleted\. Run the command again/)
        return true
      })
      const onnx = join(dir, 'corrupt', 'test-org', 'tiny-bert', 'onnx')
      assert.deepEqual(await readdir(onnx), [])
    } finally {
      await hub.close()
    }
  })

  test('a file kept in git is checked against its git blob sha1', async () => {
    const hub = await serve({ corrupt: new Set(['tokenizer.json']) })
    try {
      await assert.rejects(
        load('corrupt-git', hub.endpoint),
        /tokenizer\.json: git blob sha1 [0-9a-f]{40} does not match/,
      )
    } finally {
      await hub.close()
    }
  })
})
