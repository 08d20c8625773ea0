import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { OptionError } from '../errors.ts'
import { hashKey, ratingsSplit, readRatingSplits, resolveSplitOptions } from './split.ts'
import { collect, tempFile } from './test-files.ts'

describe('ratingsSplit', () => {
  it('hits the requested fractions closely and is deterministic for a seed', () => {
    const o = resolveSplitOptions({ valFraction: 0.15, testFraction: 0.1, seed: 7 })
    const counts = { train: 0, val: 0, test: 0 }
    const n = 20000
    for (let i = 0; i < n; i++) counts[ratingsSplit({ prompt: `prompt ${i}` }, o)]++
    assert.ok(Math.abs(counts.val / n - 0.15) < 0.01, `val ${counts.val}`)
    assert.ok(Math.abs(counts.test / n - 0.1) < 0.01, `test ${counts.test}`)
    assert.equal(hashKey('abc', 7), hashKey('abc', 7))
    assert.notEqual(hashKey('abc', 7), hashKey('abc', 8))
    let moved = 0
    const other = { ...o, seed: 8 }
    for (let i = 0; i < 1000; i++)
      if (ratingsSplit({ prompt: `p${i}` }, o) !== ratingsSplit({ prompt: `p${i}` }, other)) moved++
    assert.ok(moved > 200, 'a new seed gives a different split')
  })

  it('never lets a group straddle splits; without a group, one prompt stays together', () => {
    const o = resolveSplitOptions({ valFraction: 0.3, testFraction: 0.2, seed: 3 })
    const side = new Map<string, string>()
    for (let i = 0; i < 5000; i++) {
      const group = `g${i % 97}`
      const s = ratingsSplit({ prompt: `unrelated ${i}`, group }, o)
      assert.equal(side.get(group) ?? s, s)
      side.set(group, s)
      assert.equal(ratingsSplit({ prompt: `q${i % 13}` }, o), ratingsSplit({ prompt: `q${i % 13}` }, o))
    }
    assert.equal(new Set(side.values()).size, 3)
  })

  it('validates fractions', () => {
    assert.throws(() => resolveSplitOptions({ valFraction: 1 }), OptionError)
    assert.throws(() => resolveSplitOptions({ valFraction: 0.6, testFraction: 0.5 }), /< 1/)
    assert.throws(() => resolveSplitOptions({ seed: 0.5 }), OptionError)
  })
})

describe('readRatingSplits', () => {
  const rows = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) =>
      JSON.stringify({ prompt: `${prefix}${i}`, response: 'r', a: 1, g: `${prefix}${i % 10}` }),
    ).join('\n')

  it('tags train-file rows by hash and explicit files by name', async () => {
    const train = await tempFile('train.jsonl', rows('t', 200))
    const val = await tempFile('val.jsonl', rows('v', 5))
    const out = await collect(
      readRatingSplits({ train, val }, { targetColumns: ['a'], groupColumn: 'g' }, { testFraction: 0.3 }),
    )
    const count = (s: string) => out.filter((e) => e.split === s).length
    assert.equal(out.length, 205)
    assert.equal(count('val'), 5)
    assert.ok(count('test') > 0 && count('train') > 0)
    for (const e of out.slice(0, 200)) assert.equal(e.split, out.find((f) => f.group === e.group)?.split)
    await assert.rejects(
      collect(readRatingSplits({ train, val }, { targetColumns: ['a'] }, { valFraction: 0.1 })),
      /drop one/,
    )
  })
})
