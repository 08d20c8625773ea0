/**
 * Child processes of `npm run bench:backbone`: the torch peer (bench/peers/backbone_peer.py) and
 * rewardfit's worker (bench/backbone-worker.ts), each printing one JSON line. One process per run, so
 * each figure's peak RSS is that run's own.
 *
 * The worker runs as plain JavaScript, bundled once by esbuild (packages stay external), as the built
 * CLI runs: under the tsx loader, importing @huggingface/transformers alone costs ~160 MB more RSS
 * (measured: 244 MB vs 81 MB), which would be charged to rewardfit but is not what users run.
 */
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildSync } from 'esbuild'
import { peerEnv } from './bench-out.ts'

const HERE = dirname(fileURLToPath(import.meta.url))
const PYTHON = '/usr/bin/python3'

export interface Run {
  seconds: number
  cpuSeconds: number
  texts: number
  tokens?: number
  maxRssMB: number
  first?: number[]
}

function spawnJson(cmd: string, args: string[]): Run & Record<string, unknown> {
  const env = cmd === PYTHON ? peerEnv() : process.env
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, cwd: join(HERE, '..'), env })
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} failed:\n${r.stderr}`)
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!)
}

export const peer = (args: string[]) => spawnJson(PYTHON, [join(HERE, 'peers', 'backbone_peer.py'), ...args])
let bundled: string | undefined
function workerScript(): string {
  if (!bundled) {
    // Under node_modules: git- and lint-ignored, and its packages resolve from there.
    bundled = join(HERE, '..', 'node_modules', '.cache', 'rewardfit-bench', 'backbone-worker.mjs')
    buildSync({
      entryPoints: [join(HERE, 'backbone-worker.ts')],
      outfile: bundled,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'error',
    })
  }
  return bundled
}

export const worker = (mode: string, o: object) =>
  spawnJson(process.execPath, [workerScript(), mode, JSON.stringify(o)])
