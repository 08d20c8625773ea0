import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { hashingModel } from '../../test/browser/hashing-model.ts'
import { loadRewardModel } from '../model/load-model.ts'
import { saveRewardModel } from '../model/save-model.ts'

const root = fileURLToPath(new URL('../../', import.meta.url))
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, encoding: 'utf8' })

let dir: string
const topics = ['billing', 'shipping', 'returns', 'passwords', 'sizes', 'gift cards', 'warranty', 'stock']
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rewardfit-merge-'))
  await saveRewardModel(join(dir, 'model'), hashingModel({ dim: 256 }))
  const rows = topics.flatMap((t) => [
    { prompt: `About ${t}?`, chosen: `A clear answer about ${t}, with the steps.`, rejected: 'no' },
    { prompt: `About ${t}?`, chosen: `Yes: ${t} works like this.`, rejected: `I refuse to talk about ${t}.` },
  ])
  await writeFile(join(dir, 'pairs.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n'))
  await writeFile(join(dir, 'responses.txt'), 'Pay under Account.\nno\n')
})
after(() => rm(dir, { recursive: true, force: true }))

test('rewardfit merge learns a gating merge that rank then uses; --merge fixed goes back', async () => {
  const m2 = join(dir, 'gated')
  const args = ['--pairs', join(dir, 'pairs.jsonl'), '--merge', 'gating', '--hidden', '2', '--epochs', '20']
  const r = cli('merge', '--model', join(dir, 'model'), ...args, '--out', m2, '--json')
  assert.equal(r.status, 0, r.stderr)
  const report = JSON.parse(r.stdout)
  assert.equal(report.type, 'gating')
  assert.equal(report.train.fixed.pairs + report.validation.fixed.pairs, 16)
  const gated = await loadRewardModel(m2)
  assert.equal(gated.merge.spec.type, 'gating')

  const rank = cli(
    'rank',
    '--model',
    m2,
    '--prompt',
    'About billing?',
    '--responses',
    join(dir, 'responses.txt'),
    '--json',
  )
  assert.equal(rank.status, 0, rank.stderr)
  const ref = await gated.score([
    { prompt: 'About billing?', response: 'Pay under Account.' },
    { prompt: 'About billing?', response: 'no' },
  ])
  for (const x of JSON.parse(rank.stdout) as { index: number; reward: number }[])
    assert.ok(Math.abs(x.reward - ref.rewards[x.index]) < 1e-9)

  const table = cli('merge', '--model', join(dir, 'model'), ...args, '--out', join(dir, 'gated2'))
  assert.match(table.stdout, /gating merge, step \d+ of 20 kept[\s\S]*fixed acc[\s\S]*gate weights, mean over/)

  const back = cli('merge', '--model', m2, '--merge', 'fixed', '--out', join(dir, 'fixed'))
  assert.equal(back.status, 0, back.stderr)
  const config = JSON.parse(await readFile(join(dir, 'fixed', 'config.json'), 'utf8'))
  assert.equal('merge' in config, false)
})

test('rewardfit merge without --pairs, or with an unknown --merge, is a usage error naming the flag', () => {
  const r = cli('merge', '--model', join(dir, 'model'))
  assert.equal(r.status, 2)
  assert.match(r.stderr, /--pairs/)
  const bad = cli('merge', '--model', join(dir, 'model'), '--pairs', join(dir, 'pairs.jsonl'), '--merge', 'moe')
  assert.equal(bad.status, 2)
  assert.match(bad.stderr, /--merge.*'fixed', 'learned', 'learned-global', 'gating'/)
})
