/**
 * The package as users get it: `npm pack` (whose prepack builds dist/ and the try-it page's bundle),
 * then the tarball installed into an empty project, offline, then the installed `rewardfit serve`:
 * the page, its script (the file built at pack time, byte for byte: nothing is bundled at request
 * time) and a score.
 *
 * Offline, npm's cache holds the dependencies' tarballs (`npm ci` put them there) but not the
 * registry metadata a plain `npm install` needs to resolve version ranges, so the scratch project
 * gets a lockfile made from this repository's (the same versions, dev-only packages dropped) and is
 * installed with `npm ci --offline`.
 *
 * The pack runs in a copy of the sources, so the clone's own dist/ is left alone (bin/rewardfit.js
 * prefers dist/ when it exists, and a stale one would shadow the sources).
 */
import assert from 'node:assert/strict'
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { saveModelFolder } from '../../src/model/folder.ts'
import { hashingModel } from '../browser/hashing-model.ts'

const root = fileURLToPath(new URL('../../', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'rewardfit-pack-'))
let server: ChildProcess | null = null
after(() => {
  server?.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

// onnxruntime-node's install script would fetch a CUDA provider from outside the registry.
const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', npm_config_update_notifier: 'false' }

interface LockEntry {
  dev?: boolean
  [key: string]: unknown
}

/** A project depending on the tarball, with a lockfile of this repository's versions. */
function writeScratchProject(project: string, spec: string): void {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>
  }
  const self = lock.packages['']
  const packages: Record<string, unknown> = { '': { name: 'scratch', dependencies: { rewardfit: spec } } }
  for (const [path, entry] of Object.entries(lock.packages)) if (path !== '' && !entry.dev) packages[path] = entry
  const { version, license, dependencies, optionalDependencies, bin, engines } = self
  packages['node_modules/rewardfit'] = {
    version,
    resolved: spec,
    license,
    dependencies,
    optionalDependencies,
    bin,
    engines,
  }
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'scratch', private: true, dependencies: { rewardfit: spec } }, null, 2)}\n`,
  )
  writeFileSync(
    join(project, 'package-lock.json'),
    `${JSON.stringify({ name: 'scratch', lockfileVersion: 3, requires: true, packages }, null, 2)}\n`,
  )
}

function npm(cwd: string, ...args: string[]): string {
  const r = spawnSync('npm', [...args, '--no-audit', '--no-fund'], { cwd, env, encoding: 'utf8' })
  assert.equal(r.status, 0, `npm ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}

test('npm pack → npm install the tarball offline → the installed `rewardfit serve` serves the page, its script and scores', {
  timeout: 600_000,
}, async () => {
  const src = join(dir, 'src-copy')
  mkdirSync(src)
  for (const f of ['package.json', 'tsconfig.json', 'README.md', 'src', 'bin'])
    cpSync(join(root, f), join(src, f), { recursive: true })
  symlinkSync(join(root, 'node_modules'), join(src, 'node_modules'), 'dir')
  npm(src, 'pack', '--pack-destination', dir)
  const tgz = readdirSync(dir).find((f) => /^rewardfit-.*\.tgz$/.test(f))
  assert.ok(tgz, 'npm pack wrote no tarball')

  const project = join(dir, 'project')
  mkdirSync(project)
  writeScratchProject(project, `file:../${tgz}`)
  npm(project, 'ci', '--offline')
  const prebuilt = join(project, 'node_modules/rewardfit/dist/browser/rewardfit-page.js')
  assert.ok(existsSync(prebuilt), 'the tarball holds the page bundle')
  assert.ok(!existsSync(join(project, 'node_modules/rewardfit/src')), 'the tarball holds no sources')

  const model = hashingModel()
  await saveModelFolder(join(dir, 'model'), { config: model.config, params: model.head.params })
  const bin = join(project, 'node_modules/.bin/rewardfit')
  server = spawn(bin, ['serve', '--model', join(dir, 'model'), '--port', '0'], {
    cwd: project,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  server.stderr?.on('data', (c) => {
    err += c
  })
  const exited = new Promise<number | null>((resolve) => server?.on('exit', resolve))
  const url = await new Promise<string>((resolve, reject) => {
    server?.stdout?.on('data', (c) => {
      out += c
      const m = out.match(/at (http:\/\/[^\s;]+)/)
      if (m) resolve(m[1])
    })
    server?.on('exit', (code) => reject(new Error(`the installed server exited ${code}: ${out}${err}`)))
  })
  const page = await fetch(`${url}/`)
  assert.equal(page.status, 200)
  const html = await page.text()
  const script = /<script src="([^"]+)"><\/script>/.exec(html)?.[1]
  assert.ok(script, 'the page names its script')
  const js = await fetch(`${url}${script}`)
  assert.equal(js.status, 200, await js.clone().text())
  assert.match(js.headers.get('content-type') ?? '', /javascript/)
  const code = await js.text()
  assert.ok(code.length > 10_000, `the bundle is ${code.length} bytes`)
  assert.equal(code, readFileSync(prebuilt, 'utf8'), 'the page script is the file built at pack time')
  const score = await fetch(`${url}/v1/score`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ items: [{ prompt: 'Hi', response: 'Hello there!' }] }),
  })
  assert.equal(score.status, 200)
  assert.deepEqual(
    await score.json(),
    await (async () => {
      const s = await model.score([{ prompt: 'Hi', response: 'Hello there!' }])
      return { rewards: Array.from(s.rewards), scores: model.scoreObjects(s) }
    })(),
  )
  server.kill('SIGTERM')
  assert.equal(await exited, 0, err)
})
