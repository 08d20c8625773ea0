import assert from 'node:assert/strict'
import { dirname } from 'node:path'
import { describe, it } from 'node:test'
import { DataError, OptionError } from '../errors.ts'
import { readColumns, readRatings } from './read-ratings.ts'
import { collect, tempFile } from './test-files.ts'

const jsonl = (rows: unknown[]) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`

describe('readRatings', () => {
  it('maps columns, keeps raw units and reads every missing form as NaN, never 0', async () => {
    const file = await tempFile(
      'a.jsonl',
      jsonl([
        { prompt: 'p1', response: 'r1', a: 3, b: null },
        { prompt: 'p2', response: 'r2', a: '2.5', b: '' },
        { prompt: 'p3', response: 'r3', a: 'NA', b: ' 1 ' },
        { prompt: 'p4', response: 'r4', a: 'NaN', b: 4 },
        { prompt: 'p5', response: 'r5', b: 0 },
      ]),
    )
    const stream = readRatings(file, { targetColumns: ['a', 'b'], scale: '0:4' })
    const rows = await collect(stream)
    assert.deepEqual(
      rows.map((r) => Array.from(r.targets)),
      [
        [3, Number.NaN],
        [2.5, Number.NaN],
        [Number.NaN, 1],
        [Number.NaN, 4],
        [Number.NaN, 0],
      ],
    )
    assert.deepEqual(
      rows.map((r) => r.line),
      [1, 2, 3, 4, 5],
    )
    assert.deepEqual(stream.summary.labels, [2, 3])
    assert.equal(stream.summary.examples, 5)
    assert.deepEqual(stream.attributes, ['a', 'b'])
  })

  it('explains an out-of-range rating with file, line, field, value, scale and the fixes', async () => {
    const file = await tempFile(
      'b.jsonl',
      jsonl([
        { prompt: 'p', response: 'r', helpfulness: 2 },
        { prompt: 'p', response: 'r', helpfulness: 44 },
      ]),
    )
    await assert.rejects(collect(readRatings(file, { targetColumns: 'helpfulness', scale: '0:4' })), (e: unknown) => {
      assert.ok(e instanceof DataError)
      for (const part of [
        file,
        'line 2',
        'field "helpfulness"',
        'rating 44',
        '0:4',
        'fix the row',
        '--scale helpfulness=0:44',
        '--skip-invalid',
      ]) {
        assert.ok(e.message.includes(part), `${part} in ${e.message}`)
      }
      return true
    })
  })

  it('skipInvalid skips bad rows and counts them per reason', async () => {
    const file = await tempFile(
      'c.jsonl',
      [
        '{"prompt":"p","response":"r","a":1}',
        '{"prompt":"p","response":"r","a":9}',
        '{"prompt":"p","response":"r","a":"good"}',
        '{"prompt":"p","response":"r","a":null}',
        'not json',
        '{"prompt":"p","a":2}',
        '{"prompt":"p","response":"r","a":true}',
        '{"prompt":"p","response":"r","a":4}',
      ].join('\n'),
    )
    const skipped: string[] = []
    const stream = readRatings(file, {
      targetColumns: ['a'],
      scale: '0:4',
      skipInvalid: true,
      onSkip: (_, r) => skipped.push(r),
    })
    const rows = await collect(stream)
    assert.deepEqual(
      rows.map((r) => r.line),
      [1, 8],
    )
    assert.deepEqual(stream.summary.skippedByReason, {
      'out-of-range': 1,
      'non-numeric-rating': 2,
      'no-ratings': 1,
      'bad-json': 1,
      'missing-response': 1,
    })
    assert.equal(stream.summary.skipped, 6)
    assert.equal(skipped.length, 6)
    assert.equal(stream.summary.records, 8)
    // Without skipInvalid the first bad row stops the read, naming its line and field.
    await assert.rejects(collect(readRatings(file, { targetColumns: ['a'], scale: '0:4' })), /line 2, field "a"/)
  })

  it('without targets, fails listing the numeric columns of the first row; a typo lists the columns', async () => {
    const file = await tempFile(
      'd.jsonl',
      jsonl([{ prompt: 'p', response: 'r', id: 'x7', helpfulness: 3, verbosity: '1' }]),
    )
    await assert.rejects(
      collect(readRatings(file)),
      (e: unknown) =>
        e instanceof OptionError &&
        /helpfulness, verbosity/.test(e.message) &&
        !/id/.test(e.message.split('columns')[1]),
    )
    await assert.rejects(
      collect(readRatings(file, { targetColumns: ['helpfulnes'] })),
      /its columns are: prompt, response, id/,
    )
    await assert.rejects(
      collect(readRatings(file, { targetColumns: ['verbosity'], promptColumn: 'question' })),
      /promptColumn/,
    )
    assert.deepEqual((await readColumns(file)).numeric, ['helpfulness', 'verbosity'])
  })

  it('names a missing file or a folder plainly', async () => {
    await assert.rejects(collect(readRatings('/nonexistent/ratings.jsonl', { targetColumns: 'a' })), (e: unknown) => {
      return e instanceof DataError && /\/nonexistent\/ratings\.jsonl: no such file/.test(e.message)
    })
    const file = await tempFile('h.jsonl', '')
    await assert.rejects(
      collect(readRatings(`${dirname(file)}/`, { targetColumns: 'a', format: 'jsonl' })),
      /is a folder/,
    )
    await assert.rejects(collect(readRatings(file, { targetColumns: 'a' })), /holds no records/)
  })

  it('reads nested dotted columns, groups and chat records', async () => {
    const file = await tempFile(
      'e.jsonl',
      jsonl([
        {
          messages: [
            { role: 'user', content: 'Where is my order?' },
            { role: 'assistant', content: 'It ships today.' },
          ],
          scores: { helpfulness: 4 },
          meta: { conv: 12 },
        },
      ]),
    )
    const [e] = await collect(readRatings(file, { targetColumns: ['scores.helpfulness'], groupColumn: 'meta.conv' }))
    assert.equal(e.prompt, 'user: Where is my order?')
    assert.equal(e.response, 'It ships today.')
    assert.deepEqual(e.messages, [{ role: 'user', content: 'Where is my order?' }])
    assert.equal(e.group, '12')
    assert.deepEqual(Array.from(e.targets), [4])
  })

  it('reads CSV and JSON arrays the same way, and re-reads on a second iteration', async () => {
    const csv = await tempFile('f.csv', 'prompt,response,a\n"q, 1","multi\nline",2\nq2,r2,\n')
    const stream = readRatings(csv, { targetColumns: ['a'], skipInvalid: true })
    const first = await collect(stream)
    const second = await collect(stream)
    assert.equal(first.length, 1)
    assert.deepEqual(second, first)
    assert.deepEqual([first[0].prompt, first[0].response, first[0].line], ['q, 1', 'multi\nline', 2])
    assert.deepEqual(stream.summary.skippedByReason, { 'no-ratings': 1 })
    const json = await tempFile(
      'g.json',
      '[{"prompt":"q","response":"r","a":1},\n{"prompt":"q2","response":"r2","a":2}]',
    )
    const rows = await collect(readRatings(json, { targetColumns: ['a'] }))
    assert.deepEqual(
      rows.map((r) => [r.prompt, r.line]),
      [
        ['q', 1],
        ['q2', 2],
      ],
    )
  })
})

describe('reading rows to score (requireTargets: false)', () => {
  it('reads prompt/response rows with no rating columns, in order, with empty targets', async () => {
    const file = await tempFile('score.jsonl', '{"prompt":"a","response":"b"}\n{"prompt":"c","response":"d"}\n')
    const rows = await collect(readRatings(file, { requireTargets: false }))
    assert.deepEqual(
      rows.map((r) => [r.prompt, r.response, r.targets.length, r.line]),
      [
        ['a', 'b', 0, 1],
        ['c', 'd', 0, 2],
      ],
    )
    await assert.rejects(collect(readRatings(file)), OptionError)
  })
})
