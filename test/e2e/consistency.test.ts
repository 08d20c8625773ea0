/**
 * One rule each, wherever it is used: the default seed (library = CLI), which rows count for reward
 * metrics (train = eval), the cache folder every command loads hf: backbones from, and the examples
 * `train --help` prints, run as written.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { trainRewardModel } from '../../src/pipeline/train-reward-model.ts'

const BIN = resolve(import.meta.dirname, '../../bin/rewardfit.js')
const TINY_BERT = resolve(import.meta.dirname, '../fixtures/models/tiny-bert')
const run = (args: string[], o: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) => {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    cwd: o.cwd,
    env: { ...process.env, REWARDFIT_OFFLINE: '1', ...o.env },
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}
const jsonl = (rows: object[]) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`
const words = ['order', 'refund', 'size', 'colour', 'ship', 'track', 'late', 'gift']
const text = (i: number, n: number) =>
  Array.from({ length: n }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(' ')

describe('consistency', () => {
  let dir = ''
  const path = (name: string) => join(dir, name)

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rf-consistency-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('the library and the CLI split and fit with the same default seed', async () => {
    const rows = Array.from({ length: 120 }, (_, i) => ({
      prompt: `question ${i}`,
      response: text(i, 3 + (i % 5)),
      score: i % 5,
    }))
    await writeFile(path('seed.jsonl'), jsonl(rows))
    await trainRewardModel({ data: path('seed.jsonl'), out: path('m-lib'), dataOptions: { targetColumns: ['score'] } })
    const r = run([
      'train',
      '--data',
      path('seed.jsonl'),
      '--targets',
      'score',
      '--out',
      path('m-cli'),
      '--quiet',
      '--cache-dir',
      path('cache'),
    ])
    assert.equal(r.code, 0, r.stderr)
    const lib = JSON.parse(await readFile(path('m-lib/config.json'), 'utf8'))
    const cli = JSON.parse(await readFile(path('m-cli/config.json'), 'utf8'))
    assert.deepEqual(cli.training.data.rows, lib.training.data.rows)
    assert.equal(cli.training.split.seed, lib.training.split.seed)
    assert.deepEqual(await readFile(path('m-cli/head.safetensors')), await readFile(path('m-lib/head.safetensors')))
  })

  it('training and eval count the same rows for the merged reward', async () => {
    // b weighs 0 and is missing in a third of the rows: those rows still have a reward target.
    const rows = (from: number, n: number) =>
      Array.from({ length: n }, (_, k) => {
        const i = from + k
        return { prompt: `question ${i}`, response: text(i, 4), a: i % 5, b: i % 3 === 0 ? null : (i * 2) % 5 }
      })
    await writeFile(path('rw-train.jsonl'), jsonl(rows(0, 90)))
    await writeFile(path('rw-test.jsonl'), jsonl(rows(90, 60)))
    const t = run([
      'train',
      '--data',
      path('rw-train.jsonl'),
      '--test',
      path('rw-test.jsonl'),
      '--targets',
      'a,b',
      '--weights',
      'a=1,b=0',
      '--dim',
      '64',
      '--out',
      path('m-rw'),
      '--json',
      '--cache-dir',
      path('cache'),
    ])
    assert.equal(t.code, 0, t.stderr)
    const trained = JSON.parse(t.stdout).metrics.test.reward
    const e = run(['eval', '--model', path('m-rw'), '--data', path('rw-test.jsonl'), '--json', '--bootstrap', '0'])
    assert.equal(e.code, 0, e.stderr)
    const evaluated = JSON.parse(e.stdout).reward
    assert.equal(trained.n, 60)
    assert.equal(evaluated.n, trained.n)
    assert.ok(Math.abs(evaluated.pearson - trained.pearson) < 1e-9)
  })

  it('rank, score and eval load hf: backbones from the same cache folder as train', async () => {
    const cache = path('hf-cache')
    await cp(TINY_BERT, join(cache, 'tiny', 'bert'), { recursive: true })
    const rows = Array.from({ length: 24 }, (_, i) => ({ prompt: `q ${i % 4}`, response: text(i, 3), score: i % 4 }))
    await writeFile(path('hf.jsonl'), jsonl(rows))
    const env = { REWARDFIT_CACHE: cache }
    const t = run(
      [
        'train',
        '--data',
        path('hf.jsonl'),
        '--targets',
        'score',
        '--backbone',
        'hf:tiny/bert',
        '--out',
        path('m-hf'),
        '--quiet',
      ],
      { env },
    )
    assert.equal(t.code, 0, t.stderr)
    await writeFile(path('candidates.txt'), 'order refund\nship late gift\n')
    const r = run(
      [
        'rank',
        '--model',
        path('m-hf'),
        '--prompt',
        'where is my order',
        '--responses',
        path('candidates.txt'),
        '--json',
      ],
      { env },
    )
    assert.equal(r.code, 0, r.stderr)
    assert.equal(JSON.parse(r.stdout).length, 2)
    const s = run(['score', '--model', path('m-hf'), '--data', path('hf.jsonl')], { env })
    assert.equal(s.code, 0, s.stderr)
    const e = run(['eval', '--model', path('m-hf'), '--data', path('hf.jsonl'), '--bootstrap', '0'], { env })
    assert.equal(e.code, 0, e.stderr)
    // --cache-dir says the same as REWARDFIT_CACHE.
    const r2 = run([
      'rank',
      '--model',
      path('m-hf'),
      '--prompt',
      'x',
      '--responses',
      path('candidates.txt'),
      '--cache-dir',
      cache,
    ])
    assert.equal(r2.code, 0, r2.stderr)
  })

  it('every example of `train --help` runs as written', async () => {
    const help = run(['train', '--help']).stdout
    const examples = help
      .slice(help.indexOf('Examples:'))
      .replace(/\\\n\s*/g, '')
      .split('\n')
      .filter((l) => l.trim().startsWith('$ rewardfit '))
      .map((l) => l.trim().slice('$ rewardfit '.length).split(/\s+/))
    assert.ok(examples.length >= 4)
    const cwd = path('examples')
    await mkdir(cwd)
    const n = 60
    await writeFile(
      join(cwd, 'ratings.jsonl'),
      jsonl(
        Array.from({ length: n }, (_, i) => ({
          prompt: `q${i % 10}`,
          response: text(i, 4),
          helpfulness: i % 5,
          verbosity: (i * 3) % 5,
        })),
      ),
    )
    const hanna = ['relevance', 'coherence', 'empathy', 'surprise', 'engagement', 'complexity']
    await writeFile(
      join(cwd, 'hanna.jsonl'),
      jsonl(
        Array.from({ length: n }, (_, i) => ({
          prompt_id: i % 12,
          story_id: i,
          prompt: `prompt ${i % 12}`,
          story: text(i, 6),
          ...Object.fromEntries(hanna.map((a, j) => [a, 1 + ((i + j) % 5)])),
        })),
      ),
    )
    const tsv = (from: number, k: number) =>
      `index\toriginal\ttranslation\tz_mean\n${Array.from(
        { length: k },
        (_, j) => `${from + j}\t"source ${from + j}\t${text(from + j, 5)}\t${(((from + j) % 7) - 3) / 3}`,
      ).join('\n')}\n`
    await writeFile(join(cwd, 'train.tsv'), tsv(0, n))
    await writeFile(join(cwd, 'dev.tsv'), tsv(n, 20))
    await writeFile(join(cwd, 'test.tsv'), tsv(n + 20, 20))
    await writeFile(
      join(cwd, 'chats.jsonl'),
      jsonl(
        Array.from({ length: 30 }, (_, i) => ({
          messages: [
            { role: 'user', content: `q${i % 5}` },
            { role: 'assistant', content: text(i, 3) },
          ],
          score: i % 3,
        })),
      ),
    )
    await symlink(TINY_BERT, join(cwd, 'minilm'))
    for (const args of examples) {
      const r = run([...args, '--quiet', '--cache-dir', join(cwd, 'cache')], { cwd })
      assert.equal(r.code, 0, `rewardfit ${args.join(' ')}\n${r.stderr}`)
    }
  })
})
