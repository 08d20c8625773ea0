// Runs a TypeScript entry point under tsx with glibc's malloc asking for transparent huge pages
// (GLIBC_TUNABLES=glibc.malloc.hugetlb=1), as numpy does for its own large arrays. On this VM the
// first touch of a fresh 4 KB page costs ~10 µs: a new 100 MB Float32Array takes 260 ms to fault in
// with plain Node and 6-14 ms with huge pages; `npm start` takes 3.0-3.1 s instead of 3.5-4.0 s.
// A process cannot turn this on for itself (glibc reads it at start), hence this launcher. Linux
// only (elsewhere the variable is ignored); REWARDFIT_HUGE_PAGES=0 runs without. Children (workers)
// inherit it; benchmark peers are started without it (peerEnv). Signals reach the child; the
// child's exit code or signal is ours.
// Usage: node scripts/with-huge-pages.mjs [--report] FILE.ts [args]
import { spawn } from 'node:child_process'

const argv = process.argv.slice(2)
const report = argv[0] === '--report'
const [script, ...args] = report ? argv.slice(1) : argv
const env = { ...process.env }
if (
  process.platform === 'linux' &&
  env.REWARDFIT_HUGE_PAGES !== '0' &&
  !(env.GLIBC_TUNABLES ?? '').includes('malloc.hugetlb')
) {
  // Benchmark peers run as they would alone (numpy asks for huge pages itself; glibc's setting
  // slowed sklearn's fit by ~40% here): bench/bench-out.ts peerEnv() restores this.
  env.REWARDFIT_PEER_GLIBC_TUNABLES = env.GLIBC_TUNABLES ?? ''
  env.GLIBC_TUNABLES = [env.GLIBC_TUNABLES, 'glibc.malloc.hugetlb=1'].filter(Boolean).join(':')
}
if (report) {
  const on = (env.GLIBC_TUNABLES ?? '').includes('malloc.hugetlb=1')
  console.log(`huge pages for malloc: ${on ? 'on' : 'off'} (GLIBC_TUNABLES=${env.GLIBC_TUNABLES ?? ''})`)
}
const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: 'inherit', env })
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal)
    process.kill(process.pid, signal)
  } else process.exit(code ?? 1)
})
