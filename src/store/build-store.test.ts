import assert from 'node:assert/strict'
import { mkdtemp, readdir, rm, truncate } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { Rng } from '../compute/rng.ts'
import { DataError } from '../errors.ts'
import type { Featurizer } from '../featurize/featurizer.ts'
import { createHashingFeaturizer } from '../featurize/hashing.ts'
import { buildFeatureStore, cachedFeatureStore, entryName, type StoreRow } from './build-store.ts'
import { FEATURES_FILE, openFeatureStore } from './feature-store.ts'

const dirs: string[] = []
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'rewardfit-store-'))
  dirs.push(d)
  return d
}
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

function makeRows(n: number, seed = 1): StoreRow[] {
  const rng = new Rng(seed)
  const words = ['alpha', 'beta', 'gamma', 'delta', 'épsilon', 'zeta', 'eta']
  const text = (len: number) => Array.from({ length: len }, () => words[rng.int(words.length)]).join(' ')
  return Array.from({ length: n }, (_, i) => ({
    pair: { prompt: text(1 + rng.int(5)), response: `${i} ${text(1 + rng.int(20))}` },
    targets: [rng.float() * 4 + 1, i % 3 === 0 ? null : rng.float()],
  }))
}

/** Counts the rows each featurizer call sees, to prove a cache hit featurizes nothing. */
function counting(f: Featurizer): Featurizer & { calls: number } {
  const c = {
    spec: f.spec,
    dim: f.dim,
    fingerprint: f.fingerprint,
    calls: 0,
    async featurize(batch: Parameters<Featurizer['featurize']>[0]) {
      c.calls += batch.length
      return f.featurize(batch)
    },
  }
  return c
}

async function* slowly(rows: StoreRow[]): AsyncIterable<StoreRow> {
  for (const r of rows) yield r
}

test('store rows equal direct featurization, for random reads, duplicates and chunks', async () => {
  const f = createHashingFeaturizer({ dim: 128 })
  const rows = makeRows(103)
  const progress: number[] = []
  const store = await buildFeatureStore(f, slowly(rows), {
    dir: await tempDir(),
    batchSize: 16,
    onProgress: (p) => progress.push(p.rows),
  })
  assert.deepEqual([store.rows, store.dim, store.attributes], [103, 128, 2])
  assert.deepEqual(progress.at(-1), 103)
  assert.equal(progress.length, Math.ceil(103 / 16))
  const direct = await f.featurize(rows.map((r) => r.pair))
  const idx = [5, 0, 102, 5, 6, 7, 50, 1, 99]
  const { x, y } = await store.read(idx)
  idx.forEach((r, i) => {
    assert.deepEqual(x.data.subarray(i * 128, (i + 1) * 128), direct.subarray(r * 128, (r + 1) * 128))
    const want = Array.from(rows[r].targets, (v) => (v === null ? Number.NaN : Math.fround(v as number)))
    assert.deepEqual(Array.from(y.subarray(i * 2, i * 2 + 2)), want)
  })
  const perm = new Rng(4).permutation(103)
  const px = (await store.read(perm)).x.data
  perm.forEach((r, i) => {
    assert.deepEqual(px.subarray(i * 128, (i + 1) * 128), direct.subarray(r * 128, (r + 1) * 128))
  })
  const seen: number[] = []
  for await (const c of store.chunks(40)) {
    seen.push(c.start, c.x.rows)
    assert.deepEqual(c.x.data, direct.subarray(c.start * 128, (c.start + c.x.rows) * 128))
  }
  assert.deepEqual(seen, [0, 40, 40, 40, 80, 23])
  await assert.rejects(store.read([103]), RangeError)
  await store.close()
})

test('batch size does not change the stored bytes or the entry', async () => {
  const f = createHashingFeaturizer({ dim: 64 })
  const rows = makeRows(30)
  const a = await buildFeatureStore(f, rows, { dir: await tempDir(), batchSize: 1 })
  const b = await buildFeatureStore(f, rows, { dir: await tempDir(), batchSize: 64 })
  assert.equal(a.meta.textDigest, b.meta.textDigest)
  assert.deepEqual((await a.read([...Array(30).keys()])).x.data, (await b.read([...Array(30).keys()])).x.data)
  await Promise.all([a.close(), b.close()])
})

test('cache: same texts and labels reuse everything; new labels reuse features; other texts or featurizer miss', async () => {
  const dir = await tempDir()
  const rows = makeRows(50)
  const f = counting(createHashingFeaturizer({ dim: 64 }))
  const first = await cachedFeatureStore(f, () => rows, { dir, batchSize: 8 })
  assert.equal(first.reused, 'none')
  assert.equal(f.calls, 50)
  const again = await cachedFeatureStore(f, () => slowly(rows), { dir })
  assert.equal(again.reused, 'all')
  assert.equal(f.calls, 50, 'a hit featurizes nothing')
  assert.equal(again.store.path, first.store.path)

  const relabelled = rows.map((r) => ({ ...r, targets: [1, 2] }))
  const re = await cachedFeatureStore(f, () => relabelled, { dir })
  assert.equal(re.reused, 'features')
  assert.equal(f.calls, 50)
  assert.deepEqual(Array.from((await re.store.read([3])).y), [1, 2])
  assert.notDeepEqual(Array.from((await again.store.read([3])).y), [1, 2], 'the old labels are still there')

  const edited = rows.map((r, i) => (i === 49 ? { ...r, pair: { ...r.pair, response: `${r.pair.response}!` } } : r))
  assert.equal((await cachedFeatureStore(f, () => edited, { dir })).reused, 'none')
  const reordered = [rows[1], rows[0], ...rows.slice(2)]
  assert.equal((await cachedFeatureStore(f, () => reordered, { dir })).reused, 'none')
  const withMessages = rows.map((r, i) =>
    i === 0 ? { ...r, pair: { ...r.pair, messages: [{ role: 'user', content: 'x' }] } } : r,
  )
  assert.equal((await cachedFeatureStore(f, () => withMessages, { dir })).reused, 'none')

  const g = counting(createHashingFeaturizer({ dim: 64, charWeight: 0.5 }))
  const other = await cachedFeatureStore(g, () => rows, { dir })
  assert.equal(other.reused, 'none')
  assert.notEqual(other.store.path, first.store.path)
  for (const s of [first, again, re, other]) await s.store.close()
})

test('a crashed or torn write never leaves a valid-looking entry', async () => {
  const dir = await tempDir()
  const f = createHashingFeaturizer({ dim: 64 })
  const rows = makeRows(40)
  async function* crashing(): AsyncIterable<StoreRow> {
    for (let i = 0; i < 30; i++) yield rows[i]
    throw new Error('disk on fire')
  }
  await assert.rejects(buildFeatureStore(f, crashing(), { dir, batchSize: 8 }), /disk on fire/)
  assert.deepEqual(await readdir(dir), [], 'the temp folder is removed and nothing was renamed into place')

  // A killed process leaves its temp folder behind: it is never taken for an entry.
  const ok = await buildFeatureStore(f, rows, { dir })
  const { rename } = await import('node:fs/promises')
  await rename(ok.path, join(dir, '.tmp-entry-12345-deadbeef'))
  const counted = counting(f)
  const after = await cachedFeatureStore(counted, () => rows, { dir })
  assert.equal(after.reused, 'none')
  assert.equal(counted.calls, 40)

  // A truncated features file (torn copy) is rejected on open and rebuilt by the cache.
  await after.store.close()
  await truncate(join(after.store.path, FEATURES_FILE), 100)
  await assert.rejects(openFeatureStore(after.store.path, 'x'), /expected|missing/)
  const rebuilt = await cachedFeatureStore(counted, () => rows, { dir })
  assert.equal(rebuilt.reused, 'none')
  assert.equal(counted.calls, 80)
  assert.deepEqual((await rebuilt.store.read([39])).x.data, await f.featurize([rows[39].pair]))
  await rebuilt.store.close()
  assert.equal(entryName(f.fingerprint, rebuilt.store.meta.textDigest), rebuilt.store.path.split('/').at(-1))
})

test('bad targets are a DataError naming the row', async () => {
  const f = createHashingFeaturizer({ dim: 64 })
  const rows = makeRows(5)
  rows[3] = { ...rows[3], targets: [1] }
  await assert.rejects(
    buildFeatureStore(f, rows, { dir: await tempDir() }),
    (e: unknown) => e instanceof DataError && /row 3/.test(e.message),
  )
  const inf = makeRows(5)
  inf[2] = { ...inf[2], targets: [1, Number.POSITIVE_INFINITY] }
  await assert.rejects(
    cachedFeatureStore(f, () => inf, { dir: await tempDir() }),
    (e: unknown) => e instanceof DataError && /row 2/.test(e.message),
  )
})

test('a system failure while reusing an entry (ENOSPC) is reported and the entry kept', async () => {
  const f = createHashingFeaturizer({ dim: 64 })
  const dir = await tempDir()
  const rows = makeRows(20)
  const first = await cachedFeatureStore(f, () => slowly(rows), { dir })
  await first.store.close()
  const entries = await readdir(dir)
  // New labels on the same texts: reuse writes a targets file, and the disk is full meanwhile.
  const relabelled = rows.map((r) => ({ ...r, targets: [1, 2] }))
  let passes = 0
  async function* fullDisk(): AsyncIterable<StoreRow> {
    passes++
    for (const [i, r] of relabelled.entries()) {
      if (passes > 1 && i === 5) throw Object.assign(new Error('no space left on device, write'), { code: 'ENOSPC' })
      yield r
    }
  }
  await assert.rejects(cachedFeatureStore(f, fullDisk, { dir }), (err: Error) => {
    assert.match(
      err.message,
      /cannot reuse the feature store entry .* \(ENOSPC: no space left on device, write\); the entry is kept/,
    )
    return true
  })
  assert.deepEqual(await readdir(dir), entries)
  const again = await cachedFeatureStore(f, () => slowly(rows), { dir })
  assert.equal(again.reused, 'all')
  await again.store.close()
})
