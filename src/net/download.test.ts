import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { type HubDatasetServer, startHubDatasetServer } from '../../test/helpers/hub-dataset-server.ts'
import { downloadFile, IntegrityError } from './download.ts'
import { resolveUrl } from './tree.ts'

const body = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 31) % 251))
const sha = createHash('sha256').update(body).digest('hex')
let hub: HubDatasetServer
let dir: string
before(async () => {
  hub = await startHubDatasetServer({ 'o/d': { main: { 'x.parquet': body } } })
  dir = await mkdtemp(join(tmpdir(), 'rewardfit-dl-'))
})
after(() => hub.close())
const url = () => resolveUrl(hub.endpoint, 'datasets', 'o/d', 'main', 'x.parquet')

test('a wrong sha256 is an IntegrityError and nothing is kept', async () => {
  const dest = join(dir, 'bad.parquet')
  await assert.rejects(
    downloadFile(url(), dest, { size: body.length, sha256: 'f'.repeat(64), token: null, retries: 0 }),
    (e: Error) => e instanceof IntegrityError && /sha256 .* does not match/.test(e.message),
  )
  assert.ok(!existsSync(dest) && !existsSync(`${dest}.part`))
})

test('an existing .part is resumed, and a stale one longer than the file is discarded', async () => {
  const dest = join(dir, 'ok.parquet')
  await writeFile(`${dest}.part`, body.subarray(0, 1234))
  hub.requests.length = 0
  await downloadFile(url(), dest, { size: body.length, sha256: sha, token: null, retries: 0 })
  assert.deepEqual(await readFile(dest), body)
  assert.equal(hub.requests.at(-1)?.headers.range, 'bytes=1234-')

  const dest2 = join(dir, 'stale.parquet')
  await writeFile(`${dest2}.part`, Buffer.alloc(body.length + 10))
  await downloadFile(url(), dest2, { size: body.length, sha256: sha, token: null, retries: 0 })
  assert.deepEqual(await readFile(dest2), body)
})

test('a .part whose bytes are wrong fails the hash and is deleted, so the next run starts clean', async () => {
  const dest = join(dir, 'corrupt.parquet')
  await writeFile(`${dest}.part`, Buffer.alloc(100, 7))
  await assert.rejects(
    downloadFile(url(), dest, { size: body.length, sha256: sha, token: null, retries: 0 }),
    IntegrityError,
  )
  assert.ok(!existsSync(`${dest}.part`))
  await downloadFile(url(), dest, { size: body.length, sha256: sha, token: null, retries: 0 })
  assert.deepEqual(await readFile(dest), body)
})

test('a 503 is retried after a backoff; without a listed size the answer gives it; a 404 with missingOk is false', async () => {
  const flaky = await startHubDatasetServer(
    { 'o/d': { main: { 'x.parquet': body } } },
    { failOnce: { 'x.parquet': 503 } },
  )
  try {
    const dest = join(dir, 'flaky.parquet')
    const u = resolveUrl(flaky.endpoint, 'datasets', 'o/d', 'main', 'x.parquet')
    assert.equal(await downloadFile(u, dest, { token: null, retries: 2, retryDelayMs: 1 }), true)
    assert.deepEqual(await readFile(dest), body)
    assert.equal(flaky.requests.filter((r) => r.url.startsWith('/cdn/')).length, 2)
    const missing = resolveUrl(flaky.endpoint, 'datasets', 'o/d', 'main', 'nope.parquet')
    assert.equal(await downloadFile(missing, join(dir, 'nope'), { token: null, missingOk: true }), false)
    assert.ok(!existsSync(join(dir, 'nope')))
  } finally {
    await flaky.close()
  }
})

test('5xx on every attempt gives up with the attempts counted and the fix', async () => {
  const down = await startHubDatasetServer(
    { 'o/d': { main: { 'x.parquet': body } } },
    { failOnce: { 'x.parquet': 500 } },
  )
  try {
    const u = resolveUrl(down.endpoint, 'datasets', 'o/d', 'main', 'x.parquet')
    await assert.rejects(
      downloadFile(u, join(dir, 'down.parquet'), { token: null, retries: 0, label: 'o/d x.parquet' }),
      /o\/d x\.parquet: the Hub answered 500.*gave up after 1 attempts — run again to resume/,
    )
  } finally {
    await down.close()
  }
})
