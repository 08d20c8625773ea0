import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { parquetWriteBuffer } from 'hyparquet-writer'
import { lookupModel } from '../../test/fixtures/eval/lookup-model.ts'
import { DataError } from '../errors.ts'
import { evaluatePairs } from './evaluate.ts'
import { readPreferencePairs } from './read-pairs.ts'

// reward = the single attribute's score = the number looked up for each response text.
const model = lookupModel(
  new Map([
    ['good', [3]],
    ['bad', [1]],
    ['meh', [2]],
    ['also meh', [2]],
  ]),
  ['quality'],
  [1],
)

function file(name: string, rows: unknown[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'pairs-'))
  const f = join(dir, name)
  writeFileSync(f, rows.map((r) => JSON.stringify(r)).join('\n'))
  return f
}

test('accuracy, margin, subsets and sections over a mixed plain / chat / HH file', async () => {
  const f = file('p.jsonl', [
    { prompt: 'q', chosen: 'good', rejected: 'bad', subset: 's1' }, // win, margin 2
    { prompt: 'q', chosen: 'bad', rejected: 'good', subset: 's1' }, // loss, −2
    {
      chosen: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'meh' },
      ],
      rejected: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'also meh' },
      ],
      subset: 's2',
    }, // tie, 0
    { chosen: '\n\nHuman: q\n\nAssistant: good', rejected: '\n\nHuman: q\n\nAssistant: meh', subset: 's2' }, // win, 1
  ])
  const r = await evaluatePairs(model, readPreferencePairs(f), {
    bootstrap: 100,
    seed: 3,
    sections: 'A=s1;B=s2',
    worst: 2,
  })
  assert.equal(r.n, 4)
  assert.equal(r.ties, 1)
  assert.equal(r.accuracy, (2 + 0.5) / 4)
  assert.equal(r.mean_margin, (2 - 2 + 0 + 1) / 4)
  const { ci: ci1, ...s1 } = r.subsets.s1
  const { ci: ci2, ...s2 } = r.subsets.s2
  assert.deepEqual(s1, { accuracy: 0.5, mean_margin: 0, ties: 0, n: 2 })
  assert.deepEqual(s2, { accuracy: 0.75, mean_margin: 0.5, ties: 1, n: 2 })
  // Intervals from the shared resamples bracket every estimate: subsets, sections and the score.
  const within = (v: number, iv?: [number, number]) => assert.ok(iv && iv[0] <= v && v <= iv[1], `${v} outside ${iv}`)
  within(0.5, ci1?.accuracy)
  within(0.75, ci2?.accuracy)
  within(0.5, r.sections?.A.ci)
  within(0.625, r.ci?.score)
  assert.equal(r.sections?.A.score, 0.5)
  assert.equal(r.sections?.B.score, 0.75)
  assert.equal(r.score, 0.625)
  const [lo, hi] = r.ci?.accuracy ?? [Number.NaN, Number.NaN]
  assert.ok(lo <= r.accuracy && r.accuracy <= hi)
  // Same seed, same resamples: the overall intervals do not depend on whether sections are scored.
  const again = await evaluatePairs(model, readPreferencePairs(f), { bootstrap: 100, seed: 3 })
  assert.deepEqual(again.ci, { accuracy: r.ci?.accuracy, mean_margin: r.ci?.mean_margin })
})

test('a bad pair row names file, line and field, or is skipped with skipInvalid', async () => {
  const f = file('bad.jsonl', [
    { prompt: 'q', chosen: 'good', rejected: 'bad' },
    { prompt: 'q', chosen: 'good' },
  ])
  await assert.rejects(evaluatePairs(model, readPreferencePairs(f), { bootstrap: 0 }), (e: unknown) => {
    assert.ok(e instanceof DataError)
    assert.match(e.message, /bad\.jsonl, line 2, field "rejected"/)
    return true
  })
  const stream = readPreferencePairs(f, { skipInvalid: true })
  const r = await evaluatePairs(model, stream, { bootstrap: 0 })
  assert.equal(r.n, 1)
  assert.equal(stream.summary.skipped, 1)
  assert.equal(r.ci, undefined)
})

test('a RewardBench-shaped Parquet file with the built-in rewardbench sections', async () => {
  // Three subsets of two sections; Reasoning weighs math-prm 984 against hep-go 164, as RewardBench does.
  const rows = [
    ['alpacaeval-easy', 'good', 'bad'],
    ['alpacaeval-easy', 'good', 'meh'],
    ['mt-bench-easy', 'bad', 'good'],
    ['math-prm', 'good', 'bad'],
    ['hep-go', 'bad', 'good'],
    ['hep-go', 'meh', 'also meh'],
  ]
  const columnData = [
    { name: 'prompt', data: rows.map((_, i) => `question ${i}`), type: 'STRING' as const },
    { name: 'chosen', data: rows.map((r) => r[1]), type: 'STRING' as const },
    { name: 'rejected', data: rows.map((r) => r[2]), type: 'STRING' as const },
    { name: 'subset', data: rows.map((r) => r[0]), type: 'STRING' as const },
    { name: 'id', data: rows.map((_, i) => BigInt(i)), type: 'INT64' as const },
  ]
  const dir = mkdtempSync(join(tmpdir(), 'pairs-'))
  const f = join(dir, 'rb.parquet')
  writeFileSync(f, new Uint8Array(parquetWriteBuffer({ columnData })))
  const r = await evaluatePairs(model, readPreferencePairs(f), { bootstrap: 0, sections: 'rewardbench' })
  assert.equal(r.n, 6)
  assert.equal(r.subsets['alpacaeval-easy'].accuracy, 1)
  assert.equal(r.subsets['hep-go'].accuracy, 0.25)
  // Chat: (100·1 + 28·0) / 128; Reasoning: (984·1 + 164·0.25) / 1148; Chat Hard and Safety have no rows.
  assert.equal(r.sections?.Chat.score, 100 / 128)
  assert.equal(r.sections?.Reasoning.score, (984 + 164 * 0.25) / 1148)
  assert.ok(Number.isNaN(r.sections?.Safety.score ?? 0))
  assert.equal(r.sections?.Safety.missing.length, 5)
  assert.equal(r.score, (100 / 128 + (984 + 164 * 0.25) / 1148) / 2)
})
