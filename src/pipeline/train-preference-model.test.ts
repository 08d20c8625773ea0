import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { parquetWriteBuffer } from 'hyparquet-writer'
import { Rng } from '../compute/rng.ts'
import type { SplitExample } from '../data/split.ts'
import { tempFile } from '../data/test-files.ts'
import { loadRewardModel } from '../model/load-model.ts'
import { pairsFromRatings, readPairSplits } from './pair-data.ts'
import { trainRewardModel } from './train-reward-model.ts'

/** Replies whose quality shows in their words: good ones are on topic and kind, bad ones are not. */
function replies(seed: number, n: number) {
  const rng = new Rng(seed)
  const topics = ['refund', 'shipping', 'password', 'invoice', 'warranty', 'exchange', 'delivery', 'account']
  const pick = <T>(a: T[]) => a[Math.floor(rng.float() * a.length)]
  return Array.from({ length: n }, (_, i) => {
    const t = pick(topics)
    return {
      id: `q${i}`,
      prompt: `How do I handle my ${t} ${i}?`,
      good: `Happy to help with your ${t}: open Orders, choose the ${t} and follow the steps. Thanks for asking!`,
      bad: pick([
        `No idea about ${pick(topics)}.`,
        'Figure it out yourself.',
        `Whatever, ${pick(topics)} is not my job.`,
      ]),
    }
  })
}

/** One pair per prompt, each row in a different TRL layout. */
function pairRows(seed: number, n: number) {
  return replies(seed, n).map((r, i) => {
    const user = [{ role: 'user', content: r.prompt }]
    switch (i % 4) {
      case 0: // plain strings
        return { prompt: r.prompt, chosen: r.good, rejected: r.bad }
      case 1: // conversational
        return {
          prompt: user,
          chosen: [{ role: 'assistant', content: r.good }],
          rejected: [{ role: 'assistant', content: r.bad }],
        }
      case 2: // message-list prompt with string responses
        return { prompt: user, chosen: r.good, rejected: r.bad }
      default: // Anthropic HH transcripts (implicit prompt)
        return {
          chosen: `\n\nHuman: ${r.prompt}\n\nAssistant: ${r.good}`,
          rejected: `\n\nHuman: ${r.prompt}\n\nAssistant: ${r.bad}`,
        }
    }
  })
}
const jsonl = (rows: object[]) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`
const small = { backbone: 'hashing', backboneOptions: { dim: 512 }, cacheDir: null }

test('train --pairs alone: every TRL layout, exact L-BFGS fit, a log-odds reward the folder explains', async () => {
  const file = await tempFile('pairs.jsonl', jsonl(pairRows(1, 160)))
  const out = join(file, '..', 'model')
  const r = await trainRewardModel({
    data: null,
    pairs: file,
    out,
    split: { valFraction: 0.2, testFraction: 0.2, seed: 3 },
    ...small,
  })
  assert.equal(r.summary.head, 'exact')
  assert.ok(r.summary.pairs!.train > 60 && r.summary.pairs!.test > 10)
  for (const split of ['val', 'test'] as const) {
    const m = r.pairMetrics[split]!
    assert.ok(m.accuracy > 0.9, `${split} accuracy ${m.accuracy}`)
    assert.ok(m.mean_margin > 0 && m.l_bt < 0)
  }
  const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'))
  assert.deepEqual(config.attributes, ['reward'])
  assert.equal(config.reward.scale, 'log-odds')
  assert.equal(config.objective.type, 'bradley-terry')
  const model = await loadRewardModel(out)
  const [good, bad] = (
    await model.score([
      {
        prompt: 'How do I handle my refund?',
        response: 'Happy to help with your refund: open Orders and follow the steps.',
      },
      { prompt: 'How do I handle my refund?', response: 'Figure it out yourself.' },
    ])
  ).rewards
  assert.ok(good > bad, `${good} > ${bad}`)
})

test('train --pairs from Parquet with an MLP head (mini-batch Bradley-Terry), pairs split by prompt group', async () => {
  const rows = pairRows(2, 120).filter((_, i) => i % 4 === 0) as { prompt: string; chosen: string; rejected: string }[]
  const columnData = ['prompt', 'chosen', 'rejected'].map((name) => ({
    name,
    data: rows.map((r) => r[name as keyof typeof r]),
    type: 'STRING' as const,
  }))
  const file = await tempFile('pairs.parquet', new Uint8Array(parquetWriteBuffer({ columnData })))
  const splits = { train: 0, val: 0, test: 0 }
  for await (const p of readPairSplits({ train: file }, {}, { valFraction: 0.25, seed: 1 })) splits[p.split]++
  assert.ok(splits.train > 0 && splits.val > 0)
  const r = await trainRewardModel({
    data: null,
    pairs: file,
    out: join(file, '..', 'model'),
    head: 'mlp',
    training: { hidden: [16], epochs: 30, lr: 0.01, batchSize: 8, patience: 0 },
    split: { valFraction: 0.25, seed: 1 },
    ...small,
  })
  assert.equal(r.history.length, 30)
  assert.ok(r.history.every((h) => h.valLBT !== undefined && h.valLBT! <= 0))
  assert.ok(r.pairMetrics.val!.accuracy > 0.8, `val accuracy ${r.pairMetrics.val!.accuracy}`)
})

test('train --data with --pairs: the combined objective, ratings and pairs from different files and prompts', async () => {
  const rated = replies(5, 60).flatMap((r) => [
    { prompt: r.prompt, response: r.good, score: 4 },
    { prompt: r.prompt, response: r.bad, score: 1 },
  ])
  const data = await tempFile('ratings.jsonl', jsonl(rated))
  const pairs = await tempFile('pairs.jsonl', jsonl(pairRows(6, 80)))
  const r = await trainRewardModel({
    data,
    pairs,
    out: join(data, '..', 'model'),
    dataOptions: { targetColumns: ['score'] },
    training: { epochs: 15, lr: 0.02, batchSize: 16, patience: 0 },
    pairWeight: 0.5,
    split: { valFraction: 0.25, seed: 2 },
    ...small,
  })
  assert.equal(r.summary.head, 'linear')
  assert.ok(r.metrics.val!.reward.pearson > 0.8, `val pearson ${r.metrics.val!.reward.pearson}`)
  assert.ok(r.pairMetrics.val!.accuracy > 0.9, `val pair accuracy ${r.pairMetrics.val!.accuracy}`)
  const last = r.history.at(-1)!
  assert.ok(last.trainObjective! <= 0 && last.valLBT! <= 0 && last.valLRating! <= 0)
  assert.equal(r.model.config.objective?.type, 'combined')
})

test('pairsFromRatings: within a prompt group and split, higher merged rating = chosen, ties and unlabelled rows skipped', async () => {
  const ex = (prompt: string, response: string, targets: number[], split: 'train' | 'val' = 'train', group?: string) =>
    ({ prompt, response, targets: Float64Array.from(targets), line: 1, split, group }) as unknown as SplitExample
  const pairs = await pairsFromRatings(
    [
      ex('p', 'a', [4, 2]),
      ex('p', 'b', [2, 2]),
      ex('p', 'c', [3, 3]), // merged 3 = a's 3: a tie with a, skipped
      ex('p', 'd', [Number.NaN, 5]), // missing a weighted rating: skipped
      ex('p', 'e', [5, 5], 'val'), // another split: never paired with train rows
      ex('q', 'f', [1, 1]),
    ],
    [0.5, 0.5],
  )
  const got = pairs.map((p) => `${p.chosen}>${p.rejected}`).sort()
  assert.deepEqual(got, ['a>b', 'c>b'])
  assert.ok(pairs.every((p) => p.split === 'train' && p.prompt === 'p'))
})
