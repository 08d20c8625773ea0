// Runs a benchmark script under tsx with glibc's malloc asking for transparent huge pages
// (GLIBC_TUNABLES=glibc.malloc.hugetlb=1), as numpy does for its own large arrays. On this VM a
// first touch of a fresh 4 KB page costs ~10 µs: a new 100 MB Float32Array takes 260 ms in plain
// Node and 6-14 ms with huge pages. Peers are spawned with the same environment. Linux only;
// BENCH_HUGE_PAGES=0 runs without, to measure the difference.
// Usage: node bench/with-huge-pages.mjs bench/pairs.ts [args]
import { spawnSync } from 'node:child_process'

const [script, ...args] = process.argv.slice(2)
const env = { ...process.env }
const tunable = 'glibc.malloc.hugetlb=1'
if (
  process.platform === 'linux' &&
  env.BENCH_HUGE_PAGES !== '0' &&
  !(env.GLIBC_TUNABLES ?? '').includes('malloc.hugetlb')
) {
  env.GLIBC_TUNABLES = [env.GLIBC_TUNABLES, tunable].filter(Boolean).join(':')
}
console.log(
  `huge pages for malloc: ${(env.GLIBC_TUNABLES ?? '').includes('malloc.hugetlb=1') ? 'on' : 'off'} (GLIBC_TUNABLES=${env.GLIBC_TUNABLES ?? ''})`,
)
const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { stdio: 'inherit', env })
process.exit(r.status ?? 1)
