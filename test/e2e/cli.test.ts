/**
 * End to end through the real CLI (a child process, as a user runs it): the demo data → train →
 * score → eval, exit codes, and one-line errors for user mistakes.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { writeDemoDataset } from '../../src/demo/write.ts'
import { loadRewardModel } from '../../src/model/load-model.ts'
import { runCli } from '../helpers/run-cli.ts'

const run = runCli

describe('rewardfit CLI', () => {
  let dir = ''
  let data = ''
  const model = () => join(dir, 'model')
  const common = () => [
    '--targets',
    'relevance,completeness,concision,politeness,safety',
    '--scale',
    '0:4',
    '--group',
    'prompt_id',
  ]
  /** The same training run twice (into two folders) shares one feature cache. */
  const trainArgs = (out: string) => [
    'train',
    '--data',
    data,
    ...common(),
    '--dim',
    '256',
    '--test-fraction',
    '0.2',
    '--cache-dir',
    join(dir, 'cache'),
    '--out',
    out,
    '--json',
  ]

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rf-cli-'))
    data = join(dir, 'demo.jsonl')
    await writeDemoDataset(data, { prompts: 80, responsesPerPrompt: 6, seed: 5 })
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('train writes a model folder and prints held-out metrics', () => {
    const r = run(trainArgs(model()))
    assert.equal(r.code, 0, r.stderr)
    const out = JSON.parse(r.stdout)
    assert.equal(out.summary.rows.train + out.summary.rows.val + out.summary.rows.test, 480)
    assert.ok(out.metrics.test.reward.pearson > 0.5, `reward pearson ${out.metrics.test.reward.pearson}`)
    assert.ok(out.metrics.test.reward.l_rating <= 0)
    assert.ok(Math.abs(out.metrics.test.reward.l_rating + out.metrics.test.reward.mse) < 1e-12)
  })

  it('train reuses cached features the second time', () => {
    const r = run(trainArgs(join(dir, 'model2')))
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(JSON.parse(r.stdout).summary.featuresReused, { train: 'all', val: 'all', test: 'all' })
  })

  it('score writes one line per input, in order, matching the library', async () => {
    const input = join(dir, 'to-score.jsonl')
    const pairs = [
      { prompt: 'Where is my order?', response: 'Thanks for asking! You can track it under Orders.' },
      { prompt: 'Can I return a tent?', response: 'No.' },
      { prompt: 'Hi', response: '' },
    ]
    await writeFile(input, pairs.map((p) => JSON.stringify(p)).join('\n'))
    const outFile = join(dir, 'scores.jsonl')
    const r = run(['score', '--model', model(), '--data', input, '--out', outFile])
    assert.equal(r.code, 0, r.stderr)
    const lines = (await readFile(outFile, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    assert.deepEqual(
      lines.map((l) => l.index),
      [0, 1, 2],
    )
    const m = await loadRewardModel(model())
    const expected = await m.score(pairs)
    lines.forEach((l, i) => {
      assert.ok(Math.abs(l.reward - expected.rewards[i]) < 1e-9)
      assert.deepEqual(Object.keys(l.scores), m.attributes)
    })
  })

  it('train --no-uncertainty saves no std: the folder has none and score writes none', async () => {
    const plain = join(dir, 'model-plain')
    const r = run([...trainArgs(plain), '--no-uncertainty'])
    assert.equal(r.code, 0, r.stderr)
    const files = await readdir(plain)
    assert.ok(!files.includes('uncertainty.safetensors'), files.join(', '))
    assert.equal(JSON.parse(await readFile(join(plain, 'config.json'), 'utf8')).uncertainty, undefined)
    // Without the flag the same run saves it (so the flag, not the data, turned it off).
    const withStd = JSON.parse(await readFile(join(model(), 'config.json'), 'utf8'))
    assert.equal(withStd.uncertainty?.type, 'ridge')
    const input = join(dir, 'to-score-plain.jsonl')
    await writeFile(input, `${JSON.stringify({ prompt: 'Where is my order?', response: 'Track it under Orders.' })}\n`)
    const outFile = join(dir, 'scores-plain.jsonl')
    const s = run(['score', '--model', plain, '--data', input, '--out', outFile])
    assert.equal(s.code, 0, s.stderr)
    const line = JSON.parse((await readFile(outFile, 'utf8')).trim())
    assert.equal(typeof line.reward, 'number')
    assert.equal(line.std, undefined)
    assert.equal(line.scores_std, undefined)
    // The same model with std: the rewards agree (the std fit does not touch the head).
    const s2 = run(['score', '--model', model(), '--data', input])
    assert.equal(s2.code, 0, s2.stderr)
    const withLine = JSON.parse(s2.stdout.trim())
    assert.equal(withLine.reward, line.reward)
    assert.ok(withLine.std > 0)
    const help = run(['train', '--help'])
    assert.match(help.stdout, /--no-uncertainty/)
  })

  it('user mistakes give one clear line and exit 1 or 2, never a stack trace', async () => {
    const bad = join(dir, 'bad.jsonl')
    await writeFile(bad, '{"prompt":"a","response":"b","relevance":2}\n{"prompt":"c","response":"d","relevance":9}\n')
    const outOfRange = run([
      'train',
      '--data',
      bad,
      '--targets',
      'relevance',
      '--scale',
      '0:4',
      '--out',
      join(dir, 'x'),
    ])
    assert.equal(outOfRange.code, 1)
    assert.match(outOfRange.stderr, /bad\.jsonl.*line 2.*relevance/)
    assert.doesNotMatch(outOfRange.stderr, /\n\s+at /)

    const missingOut = run(['train', '--data', bad, '--targets', 'relevance'])
    assert.equal(missingOut.code, 2)
    assert.match(missingOut.stderr, /--out/)

    const badHead = run(['train', '--data', bad, '--targets', 'relevance', '--head', 'forest', '--out', join(dir, 'x')])
    assert.equal(badHead.code, 2)
    assert.match(badHead.stderr, /'auto', 'ridge', 'exact', 'linear', 'mlp'/)

    const noModel = run(['score', '--model', join(dir, 'nope'), '--data', bad])
    assert.equal(noModel.code, 1)
    assert.match(noModel.stderr, /nope/)

    const verbose = run(['score', '--model', join(dir, 'nope'), '--data', bad, '--verbose'])
    assert.match(verbose.stderr, /\n\s+at /)
  })

  it('--help on every command shows examples', () => {
    for (const c of ['train', 'score', 'eval', 'serve', 'rank', 'demo']) {
      const r = run([c, '--help'])
      assert.equal(r.code, 0, `${c}: ${r.stderr}`)
      assert.match(r.stdout, /Example/, c)
    }
  })
})
