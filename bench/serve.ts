/**
 * npm run bench:serve — throughput and latency of `rewardfit serve` with the hashing model, against
 *   - its in-process ceiling: the same texts featurized on the same worker threads (FeaturizePool,
 *     as the server does) and scored by the same head, with no HTTP, JSON or batching in between;
 *     the server's share of it is what HTTP costs;
 *   - FastAPI on uvicorn (bench/peers/serve_fastapi_peer.py, one worker process per core) and a bare
 *     http.server (bench/peers/serve_peer.py), both doing the same hashing and head work in Python:
 *     scikit-learn HashingVectorizer features of the same widths and the same linear head weights —
 *     comparable work, not the same numbers.
 *
 * autocannon drives POST /v1/score on 127.0.0.1 with 10 and 100 connections and 1 and 32 items per
 * request; texts are HANNA (prompt, story) pairs from ../shared/data. Each server runs in its own
 * process; the load generator and the ceiling run here, so the load generator's own CPU is part of
 * what the servers compete with (as in any one-machine benchmark). Prints requests/s, items/s, p50
 * and p99 latency, the share of the ceiling, the ratios to the peers and the load average; writes
 * bench/out/serve.json.
 *
 * Usage: npm run bench:serve [-- --duration 8] [--data PATH/hanna.jsonl]
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { HASHING_DEFAULTS } from '../src/featurize/hashing.ts'
import { saveModelFolder } from '../src/model/folder.ts'
import type { RewardModel } from '../src/model/reward-model.ts'
import { FeaturizePool } from '../src/serve/featurize-pool.ts'
import { autoFeaturizeWorkers, SERVE_DEFAULTS } from '../src/serve/options.ts'
import { hashingModel } from '../test/browser/hashing-model.ts'
import { peerEnv } from './bench-out.ts'

interface CannonResult {
  requests: { average: number; total: number }
  latency: { p50: number; p99: number; average: number }
  errors: number
  timeouts: number
  non2xx: number
  '2xx': number
}
type Cannon = (o: Record<string, unknown>) => Promise<CannonResult>
const autocannon = createRequire(import.meta.url)('autocannon') as Cannon

const root = fileURLToPath(new URL('../', import.meta.url))
const argDuration = process.argv.indexOf('--duration')
const DURATION = argDuration > 0 ? Number(process.argv[argDuration + 1]) : 8
const CONNECTIONS = [10, 100]
const BATCHES = [1, 32]
const PY = '/usr/bin/python3'

type Pair = { prompt: string; response: string }

async function hannaPairs(): Promise<Pair[]> {
  const argData = process.argv.indexOf('--data')
  const candidates =
    argData > 0
      ? [process.argv[argData + 1]]
      : [join(root, '../shared/data/hanna/hanna.jsonl'), join(root, '../../shared/data/hanna/hanna.jsonl')]
  const file = candidates.find((f) => existsSync(f)) ?? candidates[0]
  const rows = (await readFile(file, 'utf8'))
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { prompt: string; story: string })
  return rows.map((r) => ({ prompt: r.prompt, response: r.story }))
}

/** Starts a server process; resolves with its base URL once it prints one and answers /healthz. */
function start(cmd: string, args: string[], pattern: RegExp): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(cmd, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: cmd === PY ? peerEnv() : process.env,
  })
  let out = ''
  return new Promise((resolve, reject) => {
    let seen = false
    const onData = async (c: Buffer) => {
      out += c
      const m = out.match(pattern)
      if (!m || seen) return
      seen = true
      // uvicorn prints from its first worker; wait until the server answers.
      for (let i = 0; i < 200; i++) {
        const ok = await fetch(`${m[1]}/healthz`).then(
          (r) => r.ok,
          () => false,
        )
        if (ok) return resolve({ url: m[1], proc })
        await new Promise((r) => setTimeout(r, 100))
      }
      reject(new Error(`${cmd} never answered /healthz:\n${out}`))
    }
    proc.stdout?.on('data', onData)
    proc.stderr?.on('data', (c) => {
      out += c
    })
    proc.on('exit', (code) => reject(new Error(`${cmd} ${args.join(' ')} exited (${code}):\n${out}`)))
  })
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return
  const exited = new Promise((resolve) => proc.once('exit', resolve))
  proc.kill('SIGTERM')
  await exited
}

/** Request bodies that together cover every pair once, so each batch size sees the same texts. */
function bodies(pairs: Pair[], batch: number): string[] {
  const out: string[] = []
  for (let r = 0; r < Math.ceil(pairs.length / batch); r++) {
    const items = Array.from({ length: batch }, (_, i) => pairs[(r * batch + i) % pairs.length])
    out.push(JSON.stringify({ items }))
  }
  return out
}

interface Row {
  server: string
  connections: number
  batch: number
  requestsPerSec: number
  itemsPerSec: number
  p50Ms: number
  p99Ms: number
  failed: number
  /** 1-minute load average when the run ended. */
  load: number
  /** rewardfit rows: the in-process ceiling measured just before and just after this run (items/s). */
  ceilingItemsPerSec?: number
  /** rewardfit rows: itemsPerSec over ceilingItemsPerSec. */
  shareOfCeiling?: number
}

async function run(
  server: string,
  url: string,
  connections: number,
  batch: number,
  reqBodies: string[],
  duration: number,
): Promise<Row> {
  const r = await autocannon({
    url: `${url}/v1/score`,
    connections,
    duration,
    timeout: 30,
    requests: reqBodies.map((body) => ({
      method: 'POST',
      path: '/v1/score',
      headers: { 'content-type': 'application/json' },
      body,
    })),
  })
  return {
    server,
    connections,
    batch,
    requestsPerSec: r.requests.average,
    itemsPerSec: r.requests.average * batch,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    failed: r.errors + r.timeouts + r.non2xx,
    load: loadavg()[0],
  }
}

/**
 * The in-process ceiling: featurize on `workers` threads (the server's FeaturizePool) and score on
 * this one, in batches of the server's maxBatchItems, two batches in flight so the workers never
 * wait for the head.
 */
class Ceiling {
  private readonly pool: FeaturizePool
  private next = 0
  constructor(
    private readonly model: RewardModel,
    private readonly pairs: Pair[],
    workers: number,
  ) {
    const pool = FeaturizePool.create(model.featurizer.spec, workers, model.featurizer.dim)
    if (!pool) throw new Error('the hashing featurizer should run on a pool')
    this.pool = pool
  }

  /** Items per second over `seconds`. */
  async measure(seconds: number): Promise<number> {
    const dim = this.model.featurizer.dim
    const batch = SERVE_DEFAULTS.maxBatchItems
    let items = 0
    const t0 = performance.now()
    const until = t0 + seconds * 1_000
    const lane = async () => {
      while (performance.now() < until) {
        const b = Array.from({ length: batch }, (_, i) => this.pairs[(this.next + i) % this.pairs.length])
        this.next += batch
        const x = await this.pool.featurize(b)
        await this.model.scoreFeatures({ rows: b.length, cols: dim, data: x })
        items += b.length
      }
    }
    await Promise.all([lane(), lane()])
    return items / ((performance.now() - t0) / 1_000)
  }

  close(): void {
    this.pool.close()
  }
}

async function main(): Promise<void> {
  const loadStart = loadavg()[0]
  const pairs = await hannaPairs()
  const meanChars = pairs.reduce((s, p) => s + p.prompt.length + p.response.length, 0) / pairs.length
  const dir = await mkdtemp(join(tmpdir(), 'rewardfit-bench-serve-'))
  // The hashing featurizer at its default width and a linear head over 3 attributes. The head
  // is seeded, not trained: serving cost does not depend on the weights' values.
  const model = hashingModel({ dim: HASHING_DEFAULTS.dim })
  await saveModelFolder(dir, { config: model.config, params: model.head.params })
  const workers = autoFeaturizeWorkers()
  const servers: { name: string; url: string; proc: ChildProcess }[] = []
  const cleanup: (() => void)[] = []
  try {
    const rf = await start(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--model', dir, '--port', '0'],
      /at (http:\/\/\S+?)[;\s]/,
    )
    servers.push({ name: 'rewardfit', ...rf })
    const fa = await start(
      PY,
      ['bench/peers/serve_fastapi_peer.py', '--model', dir, '--workers', String(availableParallelism())],
      /listening (http:\/\/\S+)/,
    )
    servers.push({ name: 'fastapi', ...fa })
    const py = await start(PY, ['bench/peers/serve_peer.py', '--model', dir, '--port', '0'], /listening (http:\/\/\S+)/)
    servers.push({ name: 'http.server', ...py })

    // The ceiling is measured while the servers sit idle, just before and just after each rewardfit
    // run, so that the share compares figures taken under the same (shared, drifting) load.
    const ceiling = new Ceiling(model, pairs, workers)
    cleanup.push(() => ceiling.close())
    await ceiling.measure(1) // warm-up: worker start, JIT, the head's session
    const rows: Row[] = []
    for (const batch of BATCHES) {
      const reqBodies = bodies(pairs, batch)
      for (const connections of CONNECTIONS) {
        for (const s of servers) {
          await run(s.name, s.url, connections, batch, reqBodies, 1) // warm-up (JIT, sessions, threads)
          const before = s.name === 'rewardfit' ? await ceiling.measure(DURATION / 2) : 0
          const row = await run(s.name, s.url, connections, batch, reqBodies, DURATION)
          if (s.name === 'rewardfit') {
            row.ceilingItemsPerSec = (before + (await ceiling.measure(DURATION / 2))) / 2
            row.shareOfCeiling = row.itemsPerSec / row.ceilingItemsPerSec
          }
          rows.push(row)
          process.stderr.write(
            `${s.name} c=${connections} b=${batch}: ${row.itemsPerSec.toFixed(0)} items/s, p99 ${row.p99Ms} ms (load ${row.load.toFixed(1)})\n`,
          )
        }
      }
    }
    const loadEnd = loadavg()[0]

    const fmt = (v: number, d = 1) => v.toFixed(d).padStart(10)
    const find = (server: string, batch: number, connections: number) =>
      rows.find((r) => r.server === server && r.batch === batch && r.connections === connections) as Row
    const ours = rows.filter((r) => r.server === 'rewardfit')
    const lines = [
      `rewardfit serve vs FastAPI/uvicorn and http.server peers — POST /v1/score on 127.0.0.1, ${DURATION} s per run, HANNA texts (${meanChars.toFixed(0)} chars per pair), hashing dim ${HASHING_DEFAULTS.dim}`,
      `machine: ${availableParallelism()} cores; load average ${loadStart.toFixed(1)} at the start, ${loadEnd.toFixed(1)} at the end (per row below); rewardfit featurizes on ${workers} worker thread(s) (auto), FastAPI runs ${availableParallelism()} uvicorn workers`,
      'peers: same linear head weights, scikit-learn HashingVectorizer features of the same widths (comparable work, not the same numbers)',
      `in-process ceiling: same texts, FeaturizePool on ${workers} threads + the head, batches of ${SERVE_DEFAULTS.maxBatchItems}, measured around each rewardfit run`,
      '',
      `${'server'.padEnd(12)} ${'conns'.padStart(5)} ${'batch'.padStart(5)} ${'req/s'.padStart(10)} ${'items/s'.padStart(10)} ${'p50 ms'.padStart(10)} ${'p99 ms'.padStart(10)} ${'failed'.padStart(7)} ${'load'.padStart(6)}`,
      ...rows.map(
        (r) =>
          `${r.server.padEnd(12)} ${String(r.connections).padStart(5)} ${String(r.batch).padStart(5)} ${fmt(r.requestsPerSec)} ${fmt(r.itemsPerSec)} ${fmt(r.p50Ms)} ${fmt(r.p99Ms)} ${String(r.failed).padStart(7)} ${r.load.toFixed(1).padStart(6)}`,
      ),
      '',
      'rewardfit share of the in-process ceiling (its items/s over the ceiling measured just before and after it):',
      ...ours.map(
        (r) =>
          `  conns ${String(r.connections).padStart(3)}, batch ${String(r.batch).padStart(2)}: ${r.itemsPerSec.toFixed(0)} of ${r.ceilingItemsPerSec?.toFixed(0)} items/s = ${(100 * (r.shareOfCeiling ?? 0)).toFixed(0)}%`,
      ),
      '',
      'ratios rewardfit / peer (items/s higher is better; p50, p99 lower is better):',
    ]
    for (const peer of ['fastapi', 'http.server']) {
      for (const batch of BATCHES) {
        for (const connections of CONNECTIONS) {
          const a = find('rewardfit', batch, connections)
          const b = find(peer, batch, connections)
          const where = `  vs ${peer.padEnd(11)} conns ${String(connections).padStart(3)}, batch ${String(batch).padStart(2)}`
          lines.push(
            b.itemsPerSec > 0
              ? `${where}: items/s ×${(a.itemsPerSec / b.itemsPerSec).toFixed(2)}, p50 ×${(a.p50Ms / b.p50Ms).toFixed(2)}, p99 ×${(a.p99Ms / b.p99Ms).toFixed(2)}`
              : `${where}: no ratio, the peer completed no request within the run`,
          )
        }
      }
    }
    process.stdout.write(`${lines.join('\n')}\n`)
    await mkdir(join(root, 'bench/out'), { recursive: true })
    await writeFile(
      join(root, 'bench/out/serve.json'),
      `${JSON.stringify(
        {
          durationSeconds: DURATION,
          meanChars,
          cores: availableParallelism(),
          featurizeWorkers: workers,
          loadAverage: { start: loadStart, end: loadEnd },
          rows,
        },
        null,
        2,
      )}\n`,
    )
  } finally {
    for (const c of cleanup) c()
    for (const s of servers) await stop(s.proc)
    await rm(dir, { recursive: true, force: true })
  }
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`)
  process.exitCode = 1
})
