import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DataError } from '../errors.ts'
import { JsonArraySplitter, readJsonArray } from './json-array.ts'
import { readJsonl } from './jsonl.ts'
import { isBadRecord, type RawRecord } from './raw-record.ts'
import { collectBatches, tempFile } from './test-files.ts'

const TEXT = '[\n  {"prompt": "a ] } [ {", "n": [1, {"x": 2}]},\n  {"prompt": "esc \\" quote \\\\", "n": 2}\n,3]\n'

function split(chunks: string[]) {
  const s = new JsonArraySplitter()
  const out = chunks.flatMap((c) => s.push(c))
  s.end()
  return out
}

describe('JsonArraySplitter', () => {
  it('finds element boundaries despite brackets and escaped quotes inside strings', () => {
    const parts = split([TEXT])
    assert.deepEqual(
      parts.map((p) => JSON.parse(p.text)),
      [{ prompt: 'a ] } [ {', n: [1, { x: 2 }] }, { prompt: 'esc " quote \\', n: 2 }, 3],
    )
    assert.deepEqual(
      parts.map((p) => p.line),
      [2, 3, 4],
    )
  })

  it('gives the same elements however the input is chunked', () => {
    const whole = split([TEXT])
    for (let cut = 1; cut < TEXT.length; cut++) assert.deepEqual(split([TEXT.slice(0, cut), TEXT.slice(cut)]), whole)
  })

  it('rejects a non-array top level and a truncated array', () => {
    assert.throws(
      () => split(['{"data": []}']),
      (e: unknown) => e instanceof DataError && /JSON Lines/.test(e.message),
    )
    assert.throws(() => split(['[{"a": 1},']), /not closed/)
  })
})

describe('readJsonArray / readJsonl', () => {
  it('yields objects with line numbers and a BadRecord for a non-object element', async () => {
    const file = await tempFile('a.json', TEXT)
    const rows = await collectBatches(readJsonArray(file))
    assert.equal((rows[0] as RawRecord).values.prompt, 'a ] } [ {')
    assert.ok(isBadRecord(rows[2]) && rows[2].reason === 'not-an-object' && rows[2].line === 4)
  })

  it('JSONL: skips blank lines, reports bad JSON with its line', async () => {
    const file = await tempFile('a.jsonl', '{"a":1}\n\n{"a":\n{"a":3}\r\n')
    const rows = await collectBatches(readJsonl(file))
    assert.equal(rows.length, 3)
    assert.ok(isBadRecord(rows[1]) && rows[1].reason === 'bad-json' && /line 3/.test(rows[1].error.message))
    assert.deepEqual([(rows[2] as RawRecord).values, (rows[2] as RawRecord).line], [{ a: 3 }, 4])
  })
})
