/**
 * `npm run bench`: every benchmark, one after the other (each against its peer in the same run).
 * Benchmarks are not tests: they measure, print both figures and the ratio, and assert nothing.
 * Usage: npm run bench [-- head data backbone serve distributed pairs]
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

const all = ['head', 'data', 'backbone', 'serve', 'distributed', 'pairs']
const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : all
let failed = 0
for (const name of chosen) {
  if (!all.includes(name)) {
    console.error(`unknown benchmark "${name}"; choose from ${all.join(', ')}`)
    process.exit(2)
  }
  console.log(`\n=== bench:${name} ===`)
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, `${name}.ts`)], {
    stdio: 'inherit',
  })
  if (r.status !== 0) failed++
}
process.exit(failed > 0 ? 1 : 0)
