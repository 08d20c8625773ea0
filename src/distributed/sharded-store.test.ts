import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { writeRatingsJsonl } from '../../test/helpers/ratings-jsonl.ts'
import type { TrainRewardModelOptions } from '../pipeline/options.ts'
import { trainRewardModel } from '../pipeline/train-reward-model.ts'
import { featurizeSharded } from './featurize-sharded.ts'

let dir = ''
let data = ''
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rewardfit-sharded-'))
  data = await writeRatingsJsonl(join(dir, 'ratings.jsonl'), 420)
})
after(async () => {
  await rm(dir, { recursive: true, force: true })
})

const common = () => ({
  data,
  dataOptions: { targetColumns: ['a', 'b'], groupColumn: 'prompt_id' },
  split: { valFraction: 0.2, seed: 3 },
  backboneOptions: { dim: 128 },
})

async function trainFrom(name: string, extra: Partial<TrainRewardModelOptions>): Promise<Buffer> {
  const out = join(dir, name)
  await trainRewardModel({ ...common(), out, cacheDir: join(dir, `cache-${name}`), ...extra })
  return readFile(join(out, 'head.safetensors'))
}

test('featurize in shards, then train --feature-store: no featurizing, the same features, a deterministic ridge', async () => {
  const store = join(dir, 'store')
  const first = await featurizeSharded({ ...common(), out: store, shardRows: 64 })
  assert.equal(first.splits.train.shards, Math.ceil(first.splits.train.rows / 64))
  assert.equal(first.splits.train.reused, 0)
  assert.ok(first.splits.val.rows > 0 && first.splits.val.manifest)
  // The same command again redoes nothing.
  const again = await featurizeSharded({ ...common(), out: store, shardRows: 64 })
  assert.equal(again.splits.train.reused, again.splits.train.shards)
  assert.equal(again.splits.val.reused, again.splits.val.shards)

  const plain = await trainFrom('plain', {})
  const sharded = await trainFrom('sharded', { featureStore: store })
  const shardedAgain = await trainFrom('sharded-again', { featureStore: store })
  assert.ok(sharded.equals(shardedAgain), 'training twice from one store gives the same bits')
  // Against single-process training the shards change only the order of the float64 sums.
  const w = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset + 8 + b.readUInt32LE(0)))
  const [p, s] = [w(plain), w(sharded)]
  assert.equal(p.length, s.length)
  let worst = 0
  for (let i = 0; i < p.length; i++) worst = Math.max(worst, Math.abs(p[i] - s[i]) / (Math.abs(p[i]) + 1e-3))
  assert.ok(worst < 1e-4, `sharded vs single-process weights differ by ${worst}`)

  // Partials made in another order (some shards redone last) reduce to the same bits.
  const entries = (await readdir(store)).filter((f) => !f.includes('.'))
  for (const e of entries.slice(0, 3)) {
    const files = await readdir(join(store, e))
    for (const f of files.filter((x) => x.endsWith('.partial'))) await rm(join(store, e, f))
  }
  const redo = await featurizeSharded({ ...common(), out: store, shardRows: 64 })
  assert.equal(redo.splits.train.reused + redo.splits.val.reused, redo.splits.train.shards + redo.splits.val.shards - 3)
  assert.ok((await trainFrom('sharded-redone', { featureStore: store })).equals(sharded))
})

test('one shard per split is the single-process store: ridge and MLP bit-identical to plain training', async () => {
  const store = join(dir, 'store-one')
  await featurizeSharded({ ...common(), out: store, shardRows: 100_000 })
  assert.ok((await trainFrom('one-ridge', { featureStore: store })).equals(await trainFrom('plain-ridge', {})))
  const mlp = { head: 'mlp' as const, training: { epochs: 2, hidden: [16], seed: 5 } }
  assert.ok((await trainFrom('one-mlp', { ...mlp, featureStore: store })).equals(await trainFrom('plain-mlp', mlp)))
})

test('train --feature-store without the features says which command to run', async () => {
  await assert.rejects(trainFrom('missing', { featureStore: join(dir, 'empty-store') }), /run rewardfit featurize/)
})
