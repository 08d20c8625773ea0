/**
 * Sharded featurizing on a real Redis (Debian's redis-server, started per test run on a free
 * port) with real `rewardfit worker` and `rewardfit featurize` processes: a worker SIGKILLed
 * mid-job, Redis restarted mid-run, a bad row, a damaged shard, a rerun, and a password in the queue URL. Every
 * distributed model is compared bit for bit with the single-process (no queue) run.
 */
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type Job, Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { featurizeSharded } from '../../src/distributed/featurize-sharded.ts'
import { QUEUE_NAME } from '../../src/distributed/queue-names.ts'
import type { ShardJob } from '../../src/distributed/shard-job.ts'
import { SLICE_DIR } from '../../src/distributed/shard-slice.ts'
import { trainRewardModel } from '../../src/pipeline/train-reward-model.ts'
import { HOST_TAG } from '../../src/stale-temps.ts'
import { writeRatingsJsonl } from '../helpers/ratings-jsonl.ts'
import { startRedis, type TestRedis } from '../helpers/redis-server.ts'

const BIN = resolve(import.meta.dirname, '../../bin/rewardfit.js')
const PASSWORD = 'Tr0ub4dor-s3cret'

interface Proc {
  child: ChildProcess
  /** stdout + stderr so far. */
  output(): string
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>
  exit(): Promise<number | null>
}

function start(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, REWARDFIT_OFFLINE: '1', ...env } })
  let out = ''
  const waiters: (() => void)[] = []
  const onData = (b: Buffer) => {
    out += b.toString()
    for (const w of waiters.splice(0)) w()
  }
  child.stdout?.on('data', onData)
  child.stderr?.on('data', onData)
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)))
  return {
    child,
    output: () => out,
    exit: () => exited,
    async waitFor(pattern, timeoutMs = 60_000) {
      const t0 = Date.now()
      for (;;) {
        const m = out.match(pattern)
        if (m) return m
        if (child.exitCode !== null) throw new Error(`process exited before ${pattern}:\n${out}`)
        if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${pattern}:\n${out}`)
        await new Promise<void>((ok) => {
          waiters.push(ok)
          setTimeout(ok, 200)
        })
      }
    },
  }
}

async function stopAll(procs: Proc[]): Promise<void> {
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM')
  await Promise.all(procs.map((p) => p.exit()))
}

/** Every file under a folder, read as text (binary files too: a password would show as bytes). */
async function allText(dir: string): Promise<string> {
  let text = ''
  for (const f of await readdir(dir, { recursive: true })) {
    const p = join(dir, f)
    if ((await stat(p)).isFile()) text += (await readFile(p)).toString('latin1')
  }
  return text
}

describe('featurize on a BullMQ queue with rewardfit workers', { timeout: 240_000 }, () => {
  let redis: TestRedis
  let dir = ''
  let data = ''
  let reference: Buffer
  const logs: string[] = []
  const dataFlags = () => [
    '--data',
    data,
    '--targets',
    'a,b',
    '--group',
    'prompt_id',
    '--val-fraction',
    '0.2',
    '--dim',
    '512',
    '--seed',
    '1',
  ]
  const featurize = (store: string, extra: string[] = []) =>
    start(['featurize', ...dataFlags(), '--shard-rows', '120', '--out', store, '--queue', redis.url, ...extra])
  const worker = (env: Record<string, string> = {}) => start(['worker', '--queue', redis.url, '--lock-ms', '1500'], env)
  const library = () => ({
    data,
    dataOptions: { targetColumns: ['a', 'b'], groupColumn: 'prompt_id' },
    split: { valFraction: 0.2, seed: 1 },
    backboneOptions: { dim: 512 },
  })
  // Training is not under test here: it runs in this process, from the store the processes made.
  const train = async (store: string, name: string) => {
    const out = join(dir, name)
    await trainRewardModel({ ...library(), featureStore: store, out })
    return readFile(join(out, 'head.safetensors'))
  }

  before(async () => {
    redis = await startRedis({ password: PASSWORD })
    assert.ok(redis.url.includes(PASSWORD))
    dir = await mkdtemp(join(tmpdir(), 'rewardfit-dist-'))
    data = await writeRatingsJsonl(join(dir, 'ratings.jsonl'), 600)
    // The single-process reference: the same shards, no queue.
    await featurizeSharded({ ...library(), shardRows: 120, out: join(dir, 'store-ref') })
    reference = await train(join(dir, 'store-ref'), 'model-ref')
  })
  after(async () => {
    await redis?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('a worker SIGKILLed mid-job: its shard goes to another worker; the model is bit-identical', async () => {
    const store = join(dir, 'store-kill')
    const doomed = worker()
    await doomed.waitFor(/worker ready/)
    const driver = featurize(store)
    const [, label] = await doomed.waitFor(/(train shard \d+\/\d+ \(rows [\d-]+\)): started/)
    doomed.child.kill('SIGKILL')
    await doomed.exit()
    const rescuer = worker()
    assert.equal(await driver.exit(), 0, driver.output())
    await stopAll([rescuer])
    logs.push(doomed.output(), rescuer.output(), driver.output())
    assert.doesNotMatch(doomed.output(), new RegExp(`${label.replace(/[()]/g, '\\$&')}: \\d+ rows in`))
    assert.match(rescuer.output(), new RegExp(`${label.replace(/[()]/g, '\\$&')}: started \\(attempt`))
    assert.ok((await train(store, 'model-kill')).equals(reference), 'ridge weights differ from the single-process run')

    // The same command again finds every shard in the store: no job, no worker needed.
    const again = featurize(store)
    assert.equal(await again.exit(), 0, again.output())
    logs.push(again.output())
    assert.match(again.output(), /train: \d+ rows in (\d+) shard\(s\), \1 already in the store/)
  })

  it("temp files of workers SIGKILLed mid-write are removed by the next worker; live and other hosts' are kept", async () => {
    const store = join(dir, 'store-temps')
    const driver = featurize(store)
    // One worker dies right after writing an entry under its temporary name, one while writing a partial.
    const temps: string[] = []
    for (const step of ['store:entry-written', 'shard:partial-written']) {
      const doomed = worker({ REWARDFIT_KILL_AT: step })
      await doomed.exit()
      logs.push(doomed.output())
      assert.equal(doomed.child.signalCode, 'SIGKILL', doomed.output())
      const pid = String(doomed.child.pid)
      const left = (await readdir(store, { recursive: true })).filter((f) => /(^|\/)\.tmp-[^/]*$/.test(f))
      const mine = left.filter((f) => f.includes(`.tmp-${step.startsWith('store') ? 'entry' : 'partial'}-${pid}-`))
      assert.equal(mine.length, 1, `no temp of the killed worker ${pid} in ${left.join(', ')}`)
      temps.push(mine[0])
    }
    // A temp of a live process (this one) and one from another machine sharing the store stay.
    const live = `.tmp-entry-${process.pid}-${HOST_TAG}-live-0`
    const elsewhere = `.tmp-entry-1-h00000000-other-0`
    await mkdir(join(store, live))
    await mkdir(join(store, elsewhere))
    const rescuer = worker()
    assert.equal(await driver.exit(), 0, driver.output())
    await stopAll([rescuer])
    logs.push(rescuer.output(), driver.output())
    const after = (await readdir(store, { recursive: true })).filter((f) => /(^|\/)\.tmp-[^/]*$/.test(f))
    assert.deepEqual(after.sort(), [elsewhere, live].sort())
    for (const t of temps) assert.ok(!after.includes(t))
    assert.ok((await train(store, 'model-temps')).equals(reference))
    // The driver cleans up too: a dead local process's temp is gone after the next run.
    const dead = `.tmp-manifest-${temps[0].match(/-(\d+)-/)?.[1]}-${HOST_TAG}-dead-0`
    await writeFile(join(store, dead), '')
    const again = featurize(store)
    assert.equal(await again.exit(), 0, again.output())
    logs.push(again.output())
    assert.match(again.output(), /removed 1 temporary file\(s\) of killed runs/)
    assert.ok(!(await readdir(store)).includes(dead))
  })

  it('Redis restarted mid-run: workers and driver reconnect and the run completes, bit-identical', async () => {
    const store = join(dir, 'store-restart')
    const w = worker()
    await w.waitFor(/worker ready/)
    const driver = featurize(store)
    await w.waitFor(/shard \d+\/\d+ \(rows [\d-]+\): \d+ rows in/)
    // This Redis keeps nothing on disk: the queue is lost, and the driver must re-add what is not done.
    await redis.restart()
    assert.equal(await driver.exit(), 0, driver.output())
    await stopAll([w])
    logs.push(w.output(), driver.output())
    assert.match(`${w.output()}${driver.output()}`, /reconnect/)
    assert.ok((await train(store, 'model-restart')).equals(reference))
  })

  it('a bad row fails the run while planning, naming the row, before any job is queued', async () => {
    const file = join(dir, 'bad.jsonl')
    const lines = (await readFile(data, 'utf8')).split('\n')
    lines[4] = lines[4].replace(/"a":\d/, '"a":"five"')
    await writeFile(file, lines.join('\n'))
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null })
    const q = new Queue(QUEUE_NAME, { connection })
    try {
      const before = await q.getJobCounts()
      const driver = start([
        'featurize',
        ...dataFlags().map((a) => (a === data ? file : a)),
        '--shard-rows',
        '120',
        '--out',
        join(dir, 'store-bad'),
        '--queue',
        redis.url,
      ])
      assert.equal(await driver.exit(), 1, driver.output())
      logs.push(driver.output())
      assert.match(driver.output(), /error: .*bad\.jsonl, line 5, field "a"/)
      assert.deepEqual(await q.getJobCounts(), before)
    } finally {
      await q.close()
      connection.disconnect()
    }
  })

  it("a shard whose rows are damaged fails once, naming the input's line, without retrying", async () => {
    const store = join(dir, 'store-damaged')
    const driver = featurize(store)
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null })
    const q = new Queue<ShardJob>(QUEUE_NAME, { connection })
    try {
      let waiting: Job<ShardJob>[] = []
      for (let t = 0; waiting.length === 0; t++) {
        assert.ok(t < 600, `no job was queued:\n${driver.output()}`)
        await new Promise((ok) => setTimeout(ok, 100))
        waiting = await q.getWaiting()
      }
      // The shard's slice (its rows as planned) is damaged before any worker reads it.
      const job = waiting[0].data
      const slice = join(store, SLICE_DIR, job.shard.slice as string)
      const lines = (await readFile(slice, 'utf8')).split('\n')
      const row = JSON.parse(lines[2]) as unknown[]
      row[5] = ['five', null]
      lines[2] = JSON.stringify(row)
      await writeFile(slice, lines.join('\n'))
      const w = worker()
      assert.equal(await driver.exit(), 1, driver.output())
      await stopAll([w])
      logs.push(w.output(), driver.output())
      assert.match(
        driver.output(),
        new RegExp(
          `error: \\w+ shard \\d+/\\d+ .*failed after 1 attempt\\(s\\): .*ratings\\.jsonl, line ${row[1]}: target 0 is "five"`,
        ),
      )
      assert.match(w.output(), /: failed: .*target 0 is "five"/)
      assert.doesNotMatch(w.output(), /attempt 2/)
    } finally {
      await q.close()
      connection.disconnect()
    }
  })

  it('the queue password appears in no log, store or model folder', async () => {
    const text = logs.join('\n') + (await allText(dir))
    assert.ok(text.length > 0)
    assert.ok(!text.includes(PASSWORD), 'the password leaked')
    assert.match(logs.join('\n'), /redis:\/\/:\*\*\*@127\.0\.0\.1/)
  })
})
