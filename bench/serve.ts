/**
 * npm run bench:serve — throughput and latency of `rewardfit serve` with the hashing model, against
 * a minimal Python peer (bench/peers/serve_peer.py: http.server + numpy, same linear head weights,
 * scikit-learn HashingVectorizer features of the same widths — comparable work, not the same numbers).
 *
 * autocannon drives POST /v1/score on 127.0.0.1 with 10 and 100 connections and 1 and 32 items per
 * request; texts are HANNA (prompt, story) pairs from ../shared/data. Each server runs in its own
 * process; the load generator runs here. Prints requests/s, items/s, p50 and p99 latency, and the
 * rewardfit / peer ratios; writes bench/out/serve.json.
 *
 * Usage: npm run bench:serve [-- --duration 8]
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { HASHING_DEFAULTS } from '../src/featurize/hashing.ts'
import { saveModelFolder } from '../src/model/folder.ts'
import { autoFeaturizeWorkers } from '../src/serve/options.ts'
import { hashingModel } from '../test/browser/hashing-model.ts'

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

async function hannaPairs(): Promise<{ prompt: string; response: string }[]> {
  const file = join(root, '../shared/data/hanna/hanna.jsonl')
  const rows = (await readFile(file, 'utf8'))
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { prompt: string; story: string })
  return rows.map((r) => ({ prompt: r.prompt, response: r.story }))
}

/** Starts a server process and resolves with its base URL once it prints one. */
function start(cmd: string, args: string[], pattern: RegExp): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  return new Promise((resolve, reject) => {
    const onData = (c: Buffer) => {
      out += c
      const m = out.match(pattern)
      if (m) resolve({ url: m[1], proc })
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
function bodies(pairs: { prompt: string; response: string }[], batch: number): string[] {
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
  }
}

async function main(): Promise<void> {
  const pairs = await hannaPairs()
  const meanChars = pairs.reduce((s, p) => s + p.prompt.length + p.response.length, 0) / pairs.length
  const dir = await mkdtemp(join(tmpdir(), 'rewardfit-bench-serve-'))
  // The hashing featurizer at its default width and a linear head over 3 attributes. The head
  // is seeded, not trained: serving cost does not depend on the weights' values.
  const model = hashingModel({ dim: HASHING_DEFAULTS.dim })
  await saveModelFolder(dir, { config: model.config, params: model.head.params })
  const servers: { name: string; url: string; proc: ChildProcess }[] = []
  try {
    const rf = await start(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--model', dir, '--port', '0'],
      /at (http:\/\/\S+?)[;\s]/,
    )
    servers.push({ name: 'rewardfit', ...rf })
    const py = await start(
      '/usr/bin/python3',
      ['bench/peers/serve_peer.py', '--model', dir, '--port', '0'],
      /listening (http:\/\/\S+)/,
    )
    servers.push({ name: 'python-peer', ...py })

    const rows: Row[] = []
    for (const batch of BATCHES) {
      const reqBodies = bodies(pairs, batch)
      for (const connections of CONNECTIONS) {
        for (const s of servers) {
          await run(s.name, s.url, connections, batch, reqBodies, 1) // warm-up (JIT, sessions, threads)
          const row = await run(s.name, s.url, connections, batch, reqBodies, DURATION)
          rows.push(row)
          process.stderr.write(`${s.name} c=${connections} b=${batch}: ${row.requestsPerSec.toFixed(0)} req/s\n`)
        }
      }
    }

    const fmt = (v: number, d = 1) => v.toFixed(d).padStart(10)
    const lines = [
      `rewardfit serve vs a Python http.server + numpy peer — POST /v1/score on 127.0.0.1, ${DURATION} s per run, HANNA texts (${meanChars.toFixed(0)} chars per pair), hashing dim ${HASHING_DEFAULTS.dim}`,
      `machine: ${availableParallelism()} cores, load average ${loadavg()[0].toFixed(1)} at the end; rewardfit featurizes on ${autoFeaturizeWorkers()} worker thread(s) (auto)`,
      'peer: same linear head weights, but scikit-learn HashingVectorizer features (same widths), not rewardfit hashing features',
      '',
      `${'server'.padEnd(12)} ${'conns'.padStart(5)} ${'batch'.padStart(5)} ${'req/s'.padStart(10)} ${'items/s'.padStart(10)} ${'p50 ms'.padStart(10)} ${'p99 ms'.padStart(10)} ${'failed'.padStart(7)}`,
      ...rows.map(
        (r) =>
          `${r.server.padEnd(12)} ${String(r.connections).padStart(5)} ${String(r.batch).padStart(5)} ${fmt(r.requestsPerSec)} ${fmt(r.itemsPerSec)} ${fmt(r.p50Ms)} ${fmt(r.p99Ms)} ${String(r.failed).padStart(7)}`,
      ),
      '',
      'ratios rewardfit / peer (items/s higher is better; p50 lower is better):',
    ]
    for (const batch of BATCHES) {
      for (const connections of CONNECTIONS) {
        const a = rows.find(
          (r) => r.server === 'rewardfit' && r.batch === batch && r.connections === connections,
        ) as Row
        const b = rows.find(
          (r) => r.server === 'python-peer' && r.batch === batch && r.connections === connections,
        ) as Row
        lines.push(
          `  conns ${String(connections).padStart(3)}, batch ${String(batch).padStart(2)}: items/s ×${(a.itemsPerSec / b.itemsPerSec).toFixed(2)}, p50 ×${(a.p50Ms / b.p50Ms).toFixed(2)}`,
        )
      }
    }
    process.stdout.write(`${lines.join('\n')}\n`)
    await mkdir(join(root, 'bench/out'), { recursive: true })
    await writeFile(
      join(root, 'bench/out/serve.json'),
      `${JSON.stringify({ durationSeconds: DURATION, meanChars, rows }, null, 2)}\n`,
    )
  } finally {
    for (const s of servers) await stop(s.proc)
    await rm(dir, { recursive: true, force: true })
  }
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`)
  process.exitCode = 1
})
