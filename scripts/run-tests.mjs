// Runs every *.test.ts under src/ and test/ with Node's own test runner (Node 20 has no --test globs).
// Usage: node scripts/run-tests.mjs [filter]   — filter keeps files whose path contains it.
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const walk = (dir) =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    if (f === 'node_modules' || f === 'fixtures') return []
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.test.ts') ? [p] : []
  })
const filter = process.argv[2] ?? ''
const files = ['src', 'test']
  .flatMap((d) => {
    try {
      return walk(d)
    } catch {
      return []
    }
  })
  .filter((f) => f.includes(filter))
  .sort()
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=tap', '--test-concurrency=2', ...files],
  { stdio: 'inherit' },
)
process.exit(r.status ?? 1)
