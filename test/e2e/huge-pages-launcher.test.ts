import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'

// `npm start` and the benchmarks go through this launcher (glibc huge pages for malloc).
const LAUNCHER = new URL('../../scripts/with-huge-pages.mjs', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'rewardfit-launcher-'))
after(() => rmSync(dir, { recursive: true, force: true }))

test('the launcher sets GLIBC_TUNABLES for its child, keeps other tunables, passes args and exit code', () => {
  const script = join(dir, 'env.ts')
  writeFileSync(
    script,
    'console.log(JSON.stringify({ t: process.env.GLIBC_TUNABLES, a: process.argv.slice(2) }))\nprocess.exit(3)\n',
  )
  const run = (env: Record<string, string>) => {
    const r = spawnSync(process.execPath, [LAUNCHER, script, 'x', '--y'], {
      encoding: 'utf8',
      env: { ...process.env, GLIBC_TUNABLES: '', ...env },
    })
    return { status: r.status, out: JSON.parse(r.stdout.trim().split('\n').at(-1)!) }
  }
  const on = run({})
  assert.equal(on.status, 3)
  assert.deepEqual(on.out.a, ['x', '--y'])
  if (process.platform === 'linux') assert.equal(on.out.t, 'glibc.malloc.hugetlb=1')
  const kept = run({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' })
  if (process.platform === 'linux') assert.equal(kept.out.t, 'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1')
  const off = run({ REWARDFIT_HUGE_PAGES: '0' })
  assert.ok(!(off.out.t ?? '').includes('hugetlb'), `off: ${off.out.t}`)
})

test('SIGTERM to the launcher reaches the child, which drains and exits 0', async () => {
  const script = join(dir, 'drain.ts')
  writeFileSync(
    script,
    "process.on('SIGTERM', () => { console.log('drained'); process.exit(0) })\nconsole.log('ready')\nsetInterval(() => {}, 1000)\n",
  )
  const child = spawn(process.execPath, [LAUNCHER, script], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  await new Promise<void>((resolve) =>
    child.stdout.on('data', (b: Buffer) => {
      out += b
      if (out.includes('ready')) resolve()
    }),
  )
  child.kill('SIGTERM')
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))
  assert.equal(code, 0)
  assert.match(out, /drained/)
})
