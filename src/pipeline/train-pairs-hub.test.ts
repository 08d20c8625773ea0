import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { gzipSync } from 'node:zlib'
import { parquetWriteBuffer } from 'hyparquet-writer'
import { type HubDatasetServer, startHubDatasetServer } from '../../test/helpers/hub-dataset-server.ts'
import { trainRewardModel } from './train-reward-model.ts'

// Pairs whose quality shows in their words, as TRL's plain {prompt, chosen, rejected}.
const topics = ['refund', 'shipping', 'password', 'invoice', 'warranty', 'exchange']
const rows = Array.from({ length: 90 }, (_, i) => {
  const t = topics[i % topics.length]
  return {
    prompt: `How do I handle my ${t} ${i}?`,
    chosen: `Happy to help with your ${t}: open Orders, choose the ${t} and follow the steps. Thanks!`,
    rejected: i % 2 ? 'Figure it out yourself.' : `Whatever, ${t} is not my job.`,
  }
})
const jsonl = Buffer.from(`${rows.map((r) => JSON.stringify(r)).join('\n')}\n`)
const parquet = (part: typeof rows) =>
  new Uint8Array(
    parquetWriteBuffer({
      columnData: (['prompt', 'chosen', 'rejected'] as const).map((name) => ({
        name,
        data: part.map((r) => r[name]),
        type: 'STRING' as const,
      })),
    }),
  )

let hub: HubDatasetServer
let cacheDir: string
before(async () => {
  hub = await startHubDatasetServer({
    // test.jsonl is cut mid-row: reading it would fail, so the test also shows that ':train' selects only train.
    'org/pairs-jsonl': { main: { 'train.jsonl.gz': gzipSync(jsonl), 'test.jsonl': jsonl.subarray(0, 10) } },
    'org/pairs-parquet': {
      main: {
        'data/train-00000-of-00002.parquet': parquet(rows.slice(0, 50)),
        'data/train-00001-of-00002.parquet': parquet(rows.slice(50)),
      },
    },
  })
  cacheDir = await mkdtemp(join(tmpdir(), 'rewardfit-hub-pairs-'))
})
after(async () => {
  await hub.close()
  await rm(cacheDir, { recursive: true, force: true })
})

for (const ref of ['hf:org/pairs-jsonl:train', 'hf:org/pairs-parquet']) {
  test(`train --pairs ${ref}: pairs come through the Hub resolver, split by prompt and learned`, async () => {
    const out = join(cacheDir, ref.replace(/[^a-z]/g, '_'))
    const r = await trainRewardModel({
      data: null,
      pairs: ref,
      out,
      split: { valFraction: 0.2, testFraction: 0.2, seed: 3 },
      backbone: 'hashing',
      backboneOptions: { dim: 512 },
      cacheDir: null,
      hub: { endpoint: hub.endpoint, cacheDir },
    })
    const p = r.summary.pairs!
    assert.equal(p.train + p.val + p.test, rows.length)
    assert.ok(r.pairMetrics.test!.accuracy > 0.9, `test accuracy ${r.pairMetrics.test!.accuracy}`)
    assert.ok(hub.requests.some((q) => q.url.includes('/resolve/')))
  })
}
