/**
 * Mini-batch heads from a distributed store: features made in several shards by two workers on a
 * real Redis give the MLP and the AdamW linear head the same vectors in the same order as plain
 * `train`, so the models are bit-identical to single-process training with the same seed.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { featurizeSharded } from '../../src/distributed/featurize-sharded.ts'
import { startShardWorker } from '../../src/distributed/worker.ts'
import type { TrainRewardModelOptions } from '../../src/pipeline/options.ts'
import { trainRewardModel } from '../../src/pipeline/train-reward-model.ts'
import { writeRatingsJsonl } from '../helpers/ratings-jsonl.ts'
import { startRedis, type TestRedis } from '../helpers/redis-server.ts'

describe('MLP and linear heads from a store featurized by two workers', { timeout: 240_000 }, () => {
  let redis: TestRedis
  let dir = ''
  let data = ''
  let store = ''
  const common = () => ({
    data,
    dataOptions: { targetColumns: ['a', 'b'], groupColumn: 'prompt_id' },
    split: { valFraction: 0.2, seed: 4 },
    backboneOptions: { dim: 128 },
  })
  const train = async (name: string, extra: Partial<TrainRewardModelOptions>) => {
    const out = join(dir, name)
    const r = await trainRewardModel({ ...common(), out, cacheDir: join(dir, `cache-${name}`), ...extra })
    return { head: await readFile(join(out, 'head.safetensors')), history: r.history }
  }

  before(async () => {
    redis = await startRedis()
    dir = await mkdtemp(join(tmpdir(), 'rewardfit-dist-heads-'))
    data = await writeRatingsJsonl(join(dir, 'ratings.jsonl'), 500, 3)
    store = join(dir, 'store')
    const workers = await Promise.all([1, 2].map(() => startShardWorker(redis.url, { lockMs: 2000 })))
    try {
      const r = await featurizeSharded({ ...common(), out: store, shardRows: 45, queue: redis.url, pollMs: 50 })
      assert.ok(r.splits.train.shards >= 8, `${r.splits.train.shards} train shards`)
      assert.ok(r.splits.val.shards >= 2, `${r.splits.val.shards} val shards`)
    } finally {
      await Promise.all(workers.map((w) => w.close()))
    }
  })
  after(async () => {
    await redis?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  const heads = {
    mlp: { head: 'mlp' as const, training: { epochs: 3, hidden: [24], seed: 9, batchSize: 32 } },
    'linear (AdamW)': { head: 'linear' as const, training: { epochs: 3, seed: 9, batchSize: 32 } },
  }
  for (const [name, options] of Object.entries(heads)) {
    it(`${name}: bit-identical to single-process training, epoch by epoch`, async () => {
      const plain = await train(`plain-${name}`, options)
      const sharded = await train(`sharded-${name}`, { ...options, featureStore: store })
      assert.ok(sharded.head.equals(plain.head), 'head weights differ')
      const losses = (h: typeof plain.history) => h.map((r) => [r.trainLRating, r.valLRating])
      assert.deepEqual(losses(sharded.history), losses(plain.history))
      assert.equal(sharded.history.length, 3)
    })
  }
})
