/**
 * Kills at named steps (REWARDFIT_KILL_AT, see src/kill-point.ts) of real `rewardfit` runs:
 * saving over a model never leaves --out missing, and what killed runs leave behind (versions,
 * feature-store entries, checkpoints, score output) is removed by a later run once its owner is
 * gone, while the temp files of a live process are kept.
 */
import assert from 'node:assert/strict'
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { cp, lstat, mkdir, mkdtemp, readdir, readlink, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { loadModelFolder } from '../../src/model/folder.ts'

const BIN = resolve(import.meta.dirname, '../../bin/rewardfit.js')
const run = (args: string[], killAt?: string) => {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, REWARDFIT_OFFLINE: '1', REWARDFIT_KILL_AT: killAt ?? '' },
  })
  return { code: r.status, signal: r.signal, stderr: r.stderr }
}

describe('crash safety', () => {
  let dir = ''
  const path = (name: string) => join(dir, name)
  const model = () => path('m')
  const train = (dim: number, killAt?: string, extra: string[] = []) =>
    run(
      [
        'train',
        '--data',
        path('d.jsonl'),
        '--targets',
        'score',
        '--dim',
        String(dim),
        '--out',
        model(),
        '--quiet',
        '--cache-dir',
        path('cache'),
        ...extra,
      ],
      killAt,
    )
  const dimOf = async () => (await loadModelFolder(model())).config.head.inputDim
  const leftovers = async (where: string, prefix: string) => (await readdir(where)).filter((n) => n.startsWith(prefix))

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rf-crash-'))
    const rows = Array.from({ length: 60 }, (_, i) =>
      JSON.stringify({
        prompt: `question ${i % 9}`,
        response: `answer ${i % 7} ${'more '.repeat(i % 4)}`,
        score: i % 5,
      }),
    )
    await writeFile(path('d.jsonl'), `${rows.join('\n')}\n`)
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('a kill at any step of saving over a model leaves the old model or the new one', async () => {
    assert.equal(train(64).code, 0)
    assert.ok((await lstat(model())).isSymbolicLink())
    assert.equal(await dimOf(), 64)
    for (const [step, dim] of [
      ['save:written', 64],
      ['save:linked', 64],
      ['save:swapped', 128],
    ] as const) {
      const r = train(128, step)
      assert.equal(r.signal, 'SIGKILL', `${step}: ${r.stderr}`)
      assert.equal(await dimOf(), dim, `after a kill at ${step}`)
    }
    // Each killed run left a version or a link; the next save removes them all but its own.
    assert.ok((await leftovers(dir, '.m.')).length > 1)
    assert.equal(train(96).code, 0)
    assert.equal(await dimOf(), 96)
    assert.deepEqual(await leftovers(dir, '.m.'), [await readlink(model())])
  })

  it('a kill while replacing a real folder (older layout) is repaired by the next load', async () => {
    // Turn the link into a plain folder, as an older rewardfit wrote it.
    const version = path(await readlink(model()))
    await rm(model())
    await cp(version, path('plain'), { recursive: true })
    await rm(version, { recursive: true })
    await rename(path('plain'), model())
    assert.equal(await dimOf(), 96)
    const r = train(80, 'save:moved-aside')
    assert.equal(r.signal, 'SIGKILL')
    assert.equal(await lstat(model()).catch(() => null), null) // the one window of the old layout...
    assert.equal(await dimOf(), 96) // ...is closed by the next load, which puts the old folder back
    assert.equal(train(80).code, 0)
    assert.equal(await dimOf(), 80)
    assert.ok((await lstat(model())).isSymbolicLink())
  })

  it('temp files of killed runs are removed by a later run; those of live processes are kept', async () => {
    const features = path('cache/features')
    const live: ChildProcess = spawn('sleep', ['120'])
    try {
      await mkdir(features, { recursive: true })
      const liveEntry = `.tmp-entry-${live.pid}-00aa11bb`
      await mkdir(join(features, liveEntry))
      // A changed dim is a new store entry: the kill lands while it is still a temp folder.
      assert.equal(train(72, 'store:entry-written').signal, 'SIGKILL')
      assert.equal((await leftovers(features, '.tmp-entry-')).length, 2)
      const ck = path('ck')
      assert.equal(
        train(72, 'checkpoint:written', ['--head', 'linear', '--epochs', '2', '--checkpoint-dir', ck]).signal,
        'SIGKILL',
      )
      assert.equal((await leftovers(ck, 'checkpoint.safetensors.tmp-')).length, 1)
      const scores = path('scores.jsonl')
      const s = run(['score', '--model', model(), '--data', path('d.jsonl'), '--out', scores], 'score:written')
      assert.equal(s.signal, 'SIGKILL')
      assert.equal((await leftovers(dir, 'scores.jsonl.')).length, 1)

      assert.equal(train(72).code, 0)
      assert.deepEqual(await leftovers(features, '.tmp-entry-'), [liveEntry])
      assert.equal(train(72, undefined, ['--head', 'linear', '--epochs', '2', '--checkpoint-dir', path('ck2')]).code, 0)
      assert.equal(train(72, undefined, ['--head', 'linear', '--epochs', '2', '--checkpoint-dir', ck]).code, 0)
      assert.deepEqual(await leftovers(ck, 'checkpoint.safetensors.tmp-'), [])
      assert.equal(run(['score', '--model', model(), '--data', path('d.jsonl'), '--out', scores]).code, 0)
      assert.deepEqual(await leftovers(dir, 'scores.jsonl.'), [])
    } finally {
      live.kill('SIGKILL')
    }
  })
})
