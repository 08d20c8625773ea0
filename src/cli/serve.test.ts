import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { hashingModel } from '../../test/browser/hashing-model.ts'
import { decodeSafetensors } from '../core/safetensors.ts'
import { saveModelFolder } from '../model/folder.ts'

const root = fileURLToPath(new URL('../../', import.meta.url))
let dir: string
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rewardfit-serve-cli-'))
  const model = hashingModel()
  await saveModelFolder(join(dir, 'model'), { config: model.config, params: model.head.params })
})
after(() => rm(dir, { recursive: true, force: true }))

test('rewardfit serve binds 127.0.0.1, takes the key from REWARDFIT_API_KEY, serves, and exits 0 on SIGTERM', async () => {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--model', join(dir, 'model'), '--port', '0', '--max-items', '2'],
    {
      cwd: root,
      env: { ...process.env, REWARDFIT_API_KEY: 'k-123' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let out = ''
  let err = ''
  proc.stderr.on('data', (c) => {
    err += c
  })
  const exited = new Promise<number | null>((resolve) => proc.on('exit', resolve))
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout.on('data', (c) => {
      out += c
      const m = out.match(/at (http:\/\/[^\s;]+)/)
      if (m) resolve(m[1])
    })
    proc.on('exit', (code) => reject(new Error(`exited ${code}: ${out}${err}`)))
  })
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
  assert.match(out, /\(API key required\)/)
  const items = [{ prompt: 'Hi', response: 'Hello!' }]
  const post = (body: unknown, key?: string) =>
    fetch(`${url}/v1/score`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify(body),
    })
  assert.equal((await fetch(`${url}/healthz`)).status, 200)
  assert.equal((await post({ items })).status, 401)
  const ok = await post({ items }, 'k-123')
  assert.equal(ok.status, 200)
  assert.equal(((await ok.json()) as { rewards: number[] }).rewards.length, 1)
  // The head file is served as saved, __metadata__ included.
  const head = await fetch(`${url}/v1/model/files/head.safetensors`, { headers: { authorization: 'Bearer k-123' } })
  assert.equal(head.status, 200)
  const served = new Uint8Array(await head.arrayBuffer())
  assert.deepEqual(served, new Uint8Array(await readFile(join(dir, 'model', 'head.safetensors'))))
  assert.deepEqual(decodeSafetensors(served).metadata, { format: 'pt', rewardfit_head: 'linear' })
  const tooMany = await post({ items: [...items, ...items, ...items] }, 'k-123')
  assert.equal(tooMany.status, 413) // --max-items 2 reached the app
  proc.kill('SIGTERM')
  assert.equal(await exited, 0, err)
  assert.match(out, /SIGTERM, finishing in-flight requests\nrewardfit: stopped\n/)
})

test('rewardfit serve: bad flags are usage errors (exit 2) before anything binds; a missing model exits 1', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', ...args], {
      cwd: root,
      encoding: 'utf8',
    })
  const port = run('--model', join(dir, 'model'), '--port', '70000')
  assert.equal(port.status, 2)
  assert.match(port.stderr, /invalid --port: "70000"; expected an integer in \[0, 65535\]/)
  const wait = run('--model', join(dir, 'model'), '--batch-wait-ms', 'soon')
  assert.equal(wait.status, 2)
  assert.match(wait.stderr, /invalid --batch-wait-ms: "soon"/)
  const missing = run('--model', join(dir, 'nope'), '--port', '0')
  assert.equal(missing.status, 1)
  assert.match(missing.stderr, /nope/)
})

test('under `npx rewardfit serve`, SIGTERM to npx stops the server too (it notices its parent is gone)', {
  timeout: 60_000,
}, async () => {
  // npm passes SIGTERM to the shell that runs the bin, and the shell dies without passing it on.
  const proc = spawn('npx', ['--yes', 'rewardfit', 'serve', '--model', join(dir, 'model'), '--port', '0'], {
    cwd: root,
    env: { ...process.env, npm_config_offline: 'true', npm_config_update_notifier: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  proc.stderr.on('data', (c) => {
    err += c
  })
  // stdout closes only when every process holding it — npm, the shell and the server — has exited.
  const outClosed = new Promise<void>((resolve) => proc.stdout.on('close', resolve))
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout.on('data', (c) => {
      out += c
      const m = out.match(/at (http:\/\/[^\s;]+)/)
      if (m) resolve(m[1])
    })
    proc.on('exit', (code) => reject(new Error(`npx exited ${code}: ${out}${err}`)))
  })
  assert.equal((await fetch(`${url}/healthz`)).status, 200)
  proc.kill('SIGTERM')
  await outClosed
  assert.match(out, /rewardfit: parent exited, finishing in-flight requests\nrewardfit: stopped\n/)
  await assert.rejects(fetch(`${url}/healthz`), /fetch failed/)
})
