/**
 * Shard jobs read only their own rows (the slices the driver writes while planning), for every
 * input format: JSONL, CSV with quoted newlines, gzipped JSONL and Parquet with several row groups.
 * On a real Redis (Debian's redis-server) with two workers, the store is checked byte for byte
 * against the features `train` makes reading the input itself (the path before slices), and the
 * ridge model bit for bit against the single-process (no queue) run. A row error names the input
 * file's real line (CSV rows spanning lines) or row (Parquet).
 */
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { gzipSync } from 'node:zlib'
import { parquetWriteBuffer } from 'hyparquet-writer'
import { Rng } from '../../src/compute/rng.ts'
import { featurizeSharded } from '../../src/distributed/featurize-sharded.ts'
import { runShard, type ShardJob } from '../../src/distributed/shard-job.ts'
import { planShards } from '../../src/distributed/shard-plan.ts'
import { SLICE_DIR } from '../../src/distributed/shard-slice.ts'
import { readManifest } from '../../src/distributed/sharded-store.ts'
import { startShardWorker } from '../../src/distributed/worker.ts'
import { createFeaturizer } from '../../src/featurize/registry.ts'
import { trainRewardModel } from '../../src/pipeline/train-reward-model.ts'
import { startRedis, type TestRedis } from '../helpers/redis-server.ts'

interface Row {
  prompt_id: string
  prompt: string
  response: string
  a: number
  b: number | null
  /** A numeric side column (--features). */
  len: number
}

const WORDS = ['great', 'late', 'refund', 'thanks', 'broken', 'size', 'fast', 'never', 'order', 'é', '漢字', '"q"']

function makeRows(n: number): Row[] {
  const rng = new Rng(11)
  const text = (k: number) => Array.from({ length: k }, () => WORDS[rng.int(WORDS.length)]).join(' ')
  return Array.from({ length: n }, (_, i) => {
    // Every fifth response spans lines, with commas: a CSV row over several physical lines.
    const response = i % 5 === 2 ? `${text(3)},\n${text(4)}\n\n${text(2)}` : text(2 + rng.int(8))
    const good = (response.match(/great|thanks|fast/g) ?? []).length
    return {
      prompt_id: `p${Math.floor(i / 3)}`,
      prompt: `${text(3)}, ok?`,
      response,
      a: Math.min(5, Math.max(1, 2 + good + rng.int(2))),
      b: i % 7 === 4 ? null : 1 + rng.int(5),
      len: response.length / 10 - 2,
    }
  })
}

const csvField = (v: string | number | null) => {
  if (v === null) return ''
  const s = String(v)
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

describe('shard jobs read only their slice, in every input format', { timeout: 300_000 }, () => {
  let redis: TestRedis
  let dir = ''
  const rows = makeRows(230)
  const files: Record<string, string> = {}
  /** The physical line each CSV row starts on. */
  const csvLines: number[] = []

  before(async () => {
    redis = await startRedis()
    dir = await mkdtemp(join(tmpdir(), 'rewardfit-slices-'))
    const jsonl = `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`
    files.jsonl = join(dir, 'data.jsonl')
    await writeFile(files.jsonl, jsonl)
    files.gz = join(dir, 'data.jsonl.gz')
    await writeFile(files.gz, gzipSync(jsonl))
    const cols = ['prompt_id', 'prompt', 'response', 'a', 'b', 'len'] as const
    const lines = [cols.join(',')]
    let physical = 2
    for (const r of rows) {
      const line = cols.map((c) => csvField(r[c])).join(',')
      csvLines.push(physical)
      physical += line.split('\n').length
      lines.push(line)
    }
    files.csv = join(dir, 'data.csv')
    await writeFile(files.csv, `${lines.join('\n')}\n`)
    files.parquet = join(dir, 'data.parquet')
    const buf = parquetWriteBuffer({
      columnData: [
        { name: 'prompt_id', data: rows.map((r) => r.prompt_id), type: 'STRING' },
        { name: 'prompt', data: rows.map((r) => r.prompt), type: 'STRING' },
        { name: 'response', data: rows.map((r) => r.response), type: 'STRING' },
        { name: 'a', data: rows.map((r) => r.a), type: 'DOUBLE' },
        { name: 'b', data: rows.map((r) => r.b), type: 'DOUBLE' },
        { name: 'len', data: rows.map((r) => r.len), type: 'DOUBLE' },
      ],
      rowGroupSize: 50,
    })
    await writeFile(files.parquet, new Uint8Array(buf))
  })
  after(async () => {
    await redis?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  const common = (data: string) => ({
    data,
    dataOptions: { targetColumns: ['a', 'b'], groupColumn: 'prompt_id' },
    split: { valFraction: 0.25, seed: 2 },
    backboneOptions: { dim: 96 },
  })
  const headOf = async (data: string, name: string, featureStore: string | null) => {
    const out = join(dir, `model-${name}`)
    await trainRewardModel({ ...common(data), out, featureStore, cacheDir: join(dir, `cache-${name}`) })
    return readFile(join(out, 'head.safetensors'))
  }
  /** A split's features and labels: the shards' files joined in manifest order. */
  const storeBytes = async (store: string, manifest: string) => {
    const m = await readManifest(manifest)
    assert.ok(m)
    const x: Buffer[] = []
    const y: Buffer[] = []
    for (const s of m.shards) {
      x.push(await readFile(join(store, s.entry, 'features.f32')))
      y.push(await readFile(join(store, s.entry, `targets-${s.targetsDigest}.f32`)))
    }
    return { x: Buffer.concat(x), y: Buffer.concat(y), shards: m.shards.length }
  }

  for (const format of ['jsonl', 'csv', 'gz', 'parquet'] as const) {
    it(`${format}: the queue's store is the input's own features, the ridge bit-identical to one process`, async () => {
      const data = files[format]
      // Before slices: train reads the input itself; one shard per split is exactly its store.
      const whole = join(dir, `whole-${format}`)
      const one = await featurizeSharded({ ...common(data), out: whole, shardRows: 1_000_000 })
      assert.equal(one.splits.train.shards, 1)
      assert.ok((await headOf(data, `plain-${format}`, null)).equals(await headOf(data, `one-${format}`, whole)))

      // Two workers on a real Redis, 23-row shards (several per Parquet row group, some across two).
      const queued = join(dir, `queued-${format}`)
      const workers = await Promise.all([1, 2].map(() => startShardWorker(redis.url, { lockMs: 2000 })))
      let r: Awaited<ReturnType<typeof featurizeSharded>>
      try {
        r = await featurizeSharded({ ...common(data), out: queued, shardRows: 23, queue: redis.url, pollMs: 50 })
      } finally {
        await Promise.all(workers.map((w) => w.close()))
      }
      assert.ok(r.splits.train.shards > 5)
      for (const s of ['train', 'val'] as const) {
        const a = await storeBytes(whole, one.splits[s].manifest as string)
        const b = await storeBytes(queued, r.splits[s].manifest as string)
        assert.equal(b.shards, r.splits[s].shards)
        assert.ok(a.x.equals(b.x), `${s} features differ from the input's own`)
        assert.ok(a.y.equals(b.y), `${s} labels differ from the input's own`)
      }
      // The slices were the workers' input only: none is left.
      assert.deepEqual(
        (await readdir(queued)).filter((f) => f.startsWith('.')),
        [],
      )

      const inProcess = join(dir, `here-${format}`)
      await featurizeSharded({ ...common(data), out: inProcess, shardRows: 23 })
      const here = await headOf(data, `here-${format}`, inProcess)
      assert.ok((await headOf(data, `queued-${format}`, queued)).equals(here), 'queue vs one process')
    })
  }

  it('side features (--features) through two workers: the ridge of one process, to the bit', async () => {
    const data = files.jsonl
    const withSide = (o: ReturnType<typeof common>) => ({
      ...o,
      dataOptions: { ...o.dataOptions, featureColumns: ['len'] },
    })
    const queued = join(dir, 'side-queued')
    const workers = await Promise.all([1, 2].map(() => startShardWorker(redis.url, { lockMs: 2000 })))
    try {
      await featurizeSharded({ ...withSide(common(data)), out: queued, shardRows: 23, queue: redis.url, pollMs: 50 })
    } finally {
      await Promise.all(workers.map((w) => w.close()))
    }
    const here = join(dir, 'side-here')
    await featurizeSharded({ ...withSide(common(data)), out: here, shardRows: 23 })
    const head = async (name: string, featureStore: string | null) => {
      const out = join(dir, `model-${name}`)
      await trainRewardModel({ ...withSide(common(data)), out, featureStore, cacheDir: join(dir, `cache-${name}`) })
      return readFile(join(out, 'head.safetensors'))
    }
    const q = await head('side-queued', queued)
    assert.ok(q.equals(await head('side-here', here)), 'queue vs one process')
    // Against direct training with --features: the same model but for the float64 grouping of the sums.
    const w = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset + 8 + b.readUInt32LE(0)))
    const [p, d] = [w(q), w(await head('side-direct', null))]
    assert.equal(p.length, d.length)
    assert.equal(p.length, 2 * (96 + 1) + 2)
    for (let i = 0; i < p.length; i++) assert.ok(Math.abs(p[i] - d[i]) <= 1e-4 * (Math.abs(d[i]) + 1e-3), `weight ${i}`)
  })

  it("a damaged row in a slice names the input file's real line (CSV) or row (Parquet)", async () => {
    const featurizer = await createFeaturizer({ type: 'hashing', dim: 96 })
    for (const format of ['csv', 'parquet'] as const) {
      const data = files[format]
      const store = join(dir, `damaged-${format}`)
      const source = {
        files: { train: data },
        data: { targetColumns: ['a', 'b'], groupColumn: 'prompt_id' },
        split: { valFraction: 0.25, testFraction: 0, seed: 2 },
      }
      const plan = await planShards(source, 23, source.data, { storeDir: store })
      const shard = plan.train.shards[3]
      const slice = join(store, SLICE_DIR, shard.slice as string)
      const lines = (await readFile(slice, 'utf8')).split('\n')
      // Row 5 of the shard: which input row is it? Its line (CSV) / row (Parquet) is field 1.
      const row = JSON.parse(lines[5]) as unknown[]
      const inputRow = rows.findIndex((r) => r.response === row[3] && r.prompt === row[2])
      row[5] = ['five', null]
      lines[5] = JSON.stringify(row)
      await writeFile(slice, lines.join('\n'))
      const job: ShardJob = {
        source,
        split: 'train',
        shard,
        shardCount: plan.train.shards.length,
        featurizer: featurizer.spec,
        fingerprint: featurizer.fingerprint,
        storeDir: store,
        batchSize: 8,
      }
      // The worker reads its slice alone: a job whose input files are gone still runs.
      const gone = { ...source, files: { train: join(dir, 'gone', `data.${format}`) } }
      const other = plan.train.shards[2]
      const done = await runShard({ ...job, source: gone, shard: other }, featurizer)
      assert.equal(done.rows, other.rows)
      assert.equal(done.reused, false)
      const where = format === 'csv' ? `data\\.csv, line ${csvLines[inputRow]}` : `data\\.parquet, row ${inputRow + 1}`
      assert.notEqual(inputRow, -1)
      await assert.rejects(runShard(job, featurizer), new RegExp(`${where}: target 0 is "five"`))
    }
    await featurizer.dispose?.()
  })
})
