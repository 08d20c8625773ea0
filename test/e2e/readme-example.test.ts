/**
 * The README's library example, run as written (on demo data renamed to its columns), so the front
 * door stays true to the API.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import {
  buildServer,
  evaluateRatings,
  generateDemoDataset,
  loadRewardModel,
  readRatings,
  trainRewardModel,
} from '../../src/index.ts'

test('the README library example runs: train, load, score, evaluate, serve', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rf-readme-'))
  const cwd = process.cwd()
  try {
    process.chdir(dir)
    // helpfulness := completeness, verbosity := 4 - concision, grouped by question.
    const rows = generateDemoDataset({ prompts: 60, seed: 2 }).map((e) =>
      JSON.stringify({
        prompt_id: e.group,
        prompt: e.prompt,
        response: e.response,
        helpfulness: e.targets[1],
        verbosity: 4 - e.targets[2],
      }),
    )
    await writeFile('ratings.jsonl', rows.slice(0, 300).join('\n'))
    await writeFile('test.jsonl', rows.slice(300).join('\n'))

    const { metrics } = await trainRewardModel({
      data: 'ratings.jsonl',
      out: 'models/rm',
      dataOptions: { targetColumns: ['helpfulness', 'verbosity'], scale: '0:4', groupColumn: 'prompt_id' },
      split: { valFraction: 0.1, testFraction: 0.1, seed: 1 },
      weights: 'helpfulness=1,verbosity=-0.2',
      head: 'ridge',
      cacheDir: '.cache/rewardfit',
    })
    assert.ok(metrics.test!.attributes.helpfulness.pearson > 0.3)

    const model = await loadRewardModel('models/rm')
    const { rewards, scores } = await model.score([
      { prompt: 'Where is my order?', response: 'Track it under Orders.' },
    ])
    assert.equal(rewards.length, 1)
    assert.ok(Math.abs(rewards[0] - (scores[0] - 0.2 * scores[1])) < 1e-9)

    const report = await evaluateRatings(model, readRatings('test.jsonl', { targetColumns: model.attributes }))
    const labelled = rows.slice(300).filter((r) => JSON.parse(r).verbosity !== null).length
    assert.equal(report.attributes.verbosity.n, labelled)
    assert.ok(report.attributes.verbosity.pearson > 0.5, `verbosity pearson ${report.attributes.verbosity.pearson}`)

    const app = buildServer(model)
    const res = await app.inject({ method: 'GET', url: '/healthz' })
    assert.equal(res.statusCode, 200)
    await app.close()
  } finally {
    process.chdir(cwd)
    await rm(dir, { recursive: true, force: true })
  }
})
