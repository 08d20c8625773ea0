import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, beforeEach, test } from 'node:test'
import { gunzipSync, gzipSync } from 'node:zlib'
import { parquetReadObjects } from 'hyparquet'
import { parquetWriteBuffer } from 'hyparquet-writer'
import { type HubDatasetServer, type HubRepos, startHubDatasetServer } from '../../test/helpers/hub-dataset-server.ts'
import { readRatings } from '../data/read-ratings.ts'
import { RewardfitError } from '../errors.ts'
import { resolveHubDataset } from './dataset.ts'
import { hubOptionsFromEnv } from './options.ts'

// HelpSteer2's shape: prompt, response and five 0-4 Likert attributes.
const ATTRS = ['helpfulness', 'correctness', 'coherence', 'complexity', 'verbosity']
const rows = Array.from({ length: 40 }, (_, i) => ({
  prompt: `Question ${i}: what is ${i} + ${i}?`,
  response: `The answer is ${2 * i}. ${'Detail. '.repeat(i % 7)}`,
  ...Object.fromEntries(ATTRS.map((a, k) => [a, (i * (k + 1) + k) % 5])),
}))
const jsonl = Buffer.from(`${rows.map((r) => JSON.stringify(r)).join('\n')}\n`)
const trainGz = gzipSync(jsonl, { level: 9 })
const validation = Buffer.from(`${JSON.stringify(rows[0])}\n`)
const parquet = (part: typeof rows) =>
  new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        { name: 'prompt', data: part.map((r) => r.prompt), type: 'STRING' },
        { name: 'response', data: part.map((r) => r.response), type: 'STRING' },
        ...ATTRS.map((a) => ({
          name: a,
          data: part.map((r) => (r as Record<string, unknown>)[a] as number),
          type: 'INT32' as const,
        })),
      ],
    }),
  )

const repos: HubRepos = {
  'nvidia/HelpSteer2': {
    main: {
      '.gitattributes': Buffer.from('*.gz filter=lfs\n'),
      'README.md': Buffer.from('# HelpSteer2-like fixture\n'),
      'train.jsonl.gz': trainGz,
      'validation.jsonl': validation,
      'preference/preference.jsonl.gz': gzipSync(Buffer.from('{}\n')),
    },
  },
  'org/sharded': {
    main: {
      'data/train-00000-of-00002.parquet': parquet(rows.slice(0, 25)),
      'data/train-00001-of-00002.parquet': parquet(rows.slice(25)),
      'data/test-00000-of-00001.parquet': parquet(rows.slice(0, 3)),
    },
  },
  // A repo with a loading script only: its data comes from the Hub's Parquet conversion.
  'org/scripted': {
    main: { 'scripted.py': Buffer.from('import datasets\n') },
    'refs/convert/parquet': { 'default/train/0000.parquet': parquet(rows.slice(0, 5)) },
  },
  'org/private': { main: { 'train.jsonl': jsonl } },
}

let hub: HubDatasetServer
let cacheDir: string
before(async () => {
  hub = await startHubDatasetServer(repos, { privateRepos: { 'org/private': 'hf_secret' }, pageSize: 2 })
})
after(() => hub.close())
beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'rewardfit-hub-'))
  hub.requests.length = 0
})

const downloads = () => hub.requests.filter((r) => r.url.includes('/resolve/'))

test('lists, downloads, caches; a second run downloads nothing', async () => {
  const progress: number[] = []
  const got = await resolveHubDataset('hf:nvidia/HelpSteer2:train', {
    endpoint: hub.endpoint,
    cacheDir,
    onProgress: (p) => progress.push(p.bytes),
  })
  assert.equal(got.format, 'jsonl')
  assert.equal(got.fromCache, false)
  assert.deepEqual(got.files, [join(cacheDir, 'datasets', 'nvidia', 'HelpSteer2', 'main', 'train.jsonl.gz')])
  assert.deepEqual(await readFile(got.files[0]), trainGz)
  const back = gunzipSync(await readFile(got.files[0]))
    .toString()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
  assert.deepEqual(back, rows)
  assert.equal(progress.at(-1), trainGz.length)
  // The listing is paginated (2 entries a page here) through Link headers.
  assert.ok(hub.requests.filter((r) => r.url.includes('/tree/')).length > 2)
  assert.equal(downloads().length, 1)

  hub.requests.length = 0
  const again = await resolveHubDataset('hf:nvidia/HelpSteer2:train', { endpoint: hub.endpoint, cacheDir })
  assert.deepEqual(again.files, got.files)
  assert.equal(downloads().length, 0)

  // A small git (non-LFS) file is checked against its git blob sha1.
  const val = await resolveHubDataset('hf:nvidia/HelpSteer2:validation', { endpoint: hub.endpoint, cacheDir })
  assert.deepEqual(await readFile(val.files[0]), validation)
  const leftovers = (await readdir(join(cacheDir, 'datasets', 'nvidia', 'HelpSteer2', 'main'))).filter((f) =>
    f.endsWith('.part'),
  )
  assert.deepEqual(leftovers, [])
})

test('sharded Parquet splits come back in order and read back with hyparquet', async () => {
  const got = await resolveHubDataset('hf:org/sharded', { endpoint: hub.endpoint, cacheDir })
  assert.equal(got.format, 'parquet')
  assert.deepEqual(
    got.files.map((f) => f.slice(f.lastIndexOf('/') + 1)),
    ['train-00000-of-00002.parquet', 'train-00001-of-00002.parquet'],
  )
  const read = []
  for (const f of got.files) {
    const buf = await readFile(f)
    read.push(...(await parquetReadObjects({ file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length) })))
  }
  assert.equal(read.length, rows.length)
  assert.equal(read[30].prompt, rows[30].prompt)
  assert.equal(Number(read[30].verbosity), (rows[30] as Record<string, unknown>).verbosity)
  // LFS files go through the redirect to the "CDN".
  assert.ok(hub.requests.some((r) => r.url.startsWith('/cdn/')))
})

test('falls back to refs/convert/parquet when the repo has no data files for the split', async () => {
  const got = await resolveHubDataset('hf:org/scripted:train', { endpoint: hub.endpoint, cacheDir })
  assert.equal(got.format, 'parquet')
  assert.match(got.files[0], /refs%2Fconvert%2Fparquet[/\\]default[/\\]train[/\\]0000\.parquet$/)
  assert.ok(hub.requests.some((r) => r.url.includes('/tree/refs%2Fconvert%2Fparquet')))
  await assert.rejects(
    resolveHubDataset('hf:org/scripted:test', { endpoint: hub.endpoint, cacheDir }),
    /no data files for split "test".*scripted\.py|no data files for split "test"/,
  )
})

test('a download cut off mid-body resumes with an HTTP Range request', async () => {
  const cutHub = await startHubDatasetServer(repos, { cutOnce: new Set(['train.jsonl.gz']) })
  try {
    const got = await resolveHubDataset('hf:nvidia/HelpSteer2', { endpoint: cutHub.endpoint, cacheDir })
    assert.deepEqual(await readFile(got.files[0]), trainGz)
    const gets = cutHub.requests.filter((r) => r.url.startsWith('/cdn/'))
    assert.equal(gets.length, 2)
    assert.equal(gets[0].headers.range, undefined)
    // The server sent the first half before dropping; the retry asks for the rest of it.
    const from = Number(/^bytes=(\d+)-$/.exec(String(gets[1].headers.range))?.[1])
    assert.ok(from > 0 && from <= Math.floor(trainGz.length / 2), `Range ${gets[1].headers.range}`)
  } finally {
    await cutHub.close()
  }
})

test('with no retries left the .part stays, and the next run resumes it', async () => {
  const cutHub = await startHubDatasetServer(repos, { cutOnce: new Set(['train.jsonl.gz']) })
  try {
    const o = { endpoint: cutHub.endpoint, cacheDir, retries: 0 }
    await assert.rejects(
      resolveHubDataset('hf:nvidia/HelpSteer2', o),
      /connection dropped after \d+ of \d+ bytes.*run again to resume/,
    )
    const part = join(cacheDir, 'datasets', 'nvidia', 'HelpSteer2', 'main', 'train.jsonl.gz.part')
    assert.ok(existsSync(part))
    const got = await resolveHubDataset('hf:nvidia/HelpSteer2', o)
    assert.deepEqual(await readFile(got.files[0]), trainGz)
    assert.ok(!existsSync(part))
    assert.match(String(cutHub.requests.filter((r) => r.url.startsWith('/cdn/')).at(-1)?.headers.range), /^bytes=\d+-$/)
  } finally {
    await cutHub.close()
  }
})

test('a size mismatch is an error and leaves no file in the cache', async () => {
  const liar = await startHubDatasetServer(repos, { wrongSize: { 'train.jsonl.gz': 7 } })
  try {
    await assert.rejects(
      resolveHubDataset('hf:nvidia/HelpSteer2', { endpoint: liar.endpoint, cacheDir }),
      (e: Error) => e instanceof RewardfitError && /the Hub lists \d+/.test(e.message),
    )
    const dir = join(cacheDir, 'datasets', 'nvidia', 'HelpSteer2', 'main')
    assert.deepEqual(existsSync(dir) ? await readdir(dir) : [], [])
  } finally {
    await liar.close()
  }
})

test('HF_TOKEN is sent as a Bearer token; a private dataset without it is a clear 401', async () => {
  const env = { HF_TOKEN: 'hf_secret', HF_ENDPOINT: hub.endpoint }
  const got = await resolveHubDataset('hf:org/private', { ...hubOptionsFromEnv(env), cacheDir })
  assert.deepEqual(await readFile(got.files[0]), jsonl)
  assert.ok(hub.requests.length > 0)
  assert.ok(hub.requests.every((r) => r.headers.authorization === 'Bearer hf_secret'))

  await assert.rejects(
    resolveHubDataset('hf:org/private', { endpoint: hub.endpoint, cacheDir: join(cacheDir, 'other') }),
    (e: Error) => e instanceof RewardfitError && /private.*401.*set HF_TOKEN/.test(e.message),
  )
  await assert.rejects(
    resolveHubDataset('hf:org/private', { endpoint: hub.endpoint, cacheDir, token: 'hf_wrong' }),
    /rejected the token \(401\)/,
  )
  await assert.rejects(
    resolveHubDataset('hf:org/nothing', { endpoint: hub.endpoint, cacheDir }),
    /private or does not exist/,
  )
  await assert.rejects(
    resolveHubDataset('hf:org/sharded@v9', { endpoint: hub.endpoint, cacheDir }),
    /@v9: not found \(404\)/,
  )
})

test('offline: a complete cached copy is used without any request; without one, the error says what to do', async () => {
  await assert.rejects(
    resolveHubDataset('hf:nvidia/HelpSteer2', { endpoint: hub.endpoint, cacheDir, offline: true }),
    (e: Error) => e instanceof RewardfitError && /offline mode is on.*no cached copy.*--data PATH/.test(e.message),
  )
  assert.equal(hub.requests.length, 0)
  const online = await resolveHubDataset('hf:nvidia/HelpSteer2', { endpoint: hub.endpoint, cacheDir })
  hub.requests.length = 0
  const offline = await resolveHubDataset('hf:nvidia/HelpSteer2', { endpoint: hub.endpoint, cacheDir, offline: true })
  assert.deepEqual(offline, { ...online, fromCache: true })
  assert.equal(hub.requests.length, 0)
  // A deleted file makes the copy incomplete.
  await rm(online.files[0])
  await assert.rejects(
    resolveHubDataset('hf:nvidia/HelpSteer2', { ...hubOptionsFromEnv({ HF_HUB_OFFLINE: '1' }), cacheDir }),
    /cached copy is incomplete/,
  )
})

test('an unreachable Hub falls back to the cache, or fails naming the endpoint', async () => {
  const gone = await startHubDatasetServer(repos)
  const endpoint = gone.endpoint
  await resolveHubDataset('hf:org/sharded', { endpoint, cacheDir })
  await gone.close()
  const cached = await resolveHubDataset('hf:org/sharded', { endpoint, cacheDir })
  assert.equal(cached.fromCache, true)
  assert.equal(cached.files.length, 2)
  await assert.rejects(resolveHubDataset('hf:org/sharded:test', { endpoint, cacheDir }), (e: Error) =>
    /could not reach http:\/\/127\.0\.0\.1:\d+.*no cached copy/.test(e.message),
  )
})

test('the downloaded files feed readRatings as --data hf: will (HelpSteer2 targets on 0:4)', async () => {
  const options = { targetColumns: ATTRS, scale: '0:4' }
  for (const ref of ['hf:nvidia/HelpSteer2:train', 'hf:org/sharded:train']) {
    const { files, format } = await resolveHubDataset(ref, { endpoint: hub.endpoint, cacheDir })
    const read: { prompt: string; targets: number[] }[] = []
    for (const file of files) {
      for await (const e of readRatings(file, { ...options, format }))
        read.push({ prompt: e.prompt, targets: [...e.targets] })
    }
    assert.equal(read.length, rows.length, ref)
    assert.deepEqual(read[7], {
      prompt: rows[7].prompt,
      targets: ATTRS.map((a) => (rows[7] as Record<string, unknown>)[a]),
    })
  }
})
