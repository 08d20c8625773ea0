import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { OptionError } from '../errors.ts'
import { detectFormat } from './format.ts'
import { DATA_DEFAULTS, resolveDataOptions } from './options.ts'

describe('resolveDataOptions', () => {
  it('fills defaults from DATA_DEFAULTS, splits a comma list and parses the scale', () => {
    const o = resolveDataOptions({ targetColumns: ' a, b ', scale: 'a=0:4', promptColumn: undefined })
    assert.equal(o.promptColumn, DATA_DEFAULTS.promptColumn)
    assert.deepEqual(o.targetColumns, ['a', 'b'])
    assert.deepEqual(o.scale, { all: null, byAttribute: { a: { min: 0, max: 4 } } })
    assert.deepEqual(resolveDataOptions(o), o) // resolving twice changes nothing
  })

  it('names the bad option', () => {
    assert.throws(
      () => resolveDataOptions({ quote: 'double' as never }),
      (e: unknown) => e instanceof OptionError && e.option === 'quote',
    )
    assert.throws(() => resolveDataOptions({ promptCol: 'x' } as never), OptionError)
    assert.throws(() => resolveDataOptions({ targetColumns: ['a', 'a'] }), /twice/)
    assert.throws(() => resolveDataOptions({ targetColumns: ['a'], scale: 'b=0:1' }), /one of the target columns: a/)
    assert.throws(
      () => resolveDataOptions({ delimiter: '::' }),
      (e: unknown) => e instanceof OptionError && e.option === 'delimiter',
    )
  })
})

describe('detectFormat', () => {
  it('maps extensions (also under .gz) and honours an explicit format', () => {
    assert.equal(detectFormat('a.NDJSON'), 'jsonl')
    assert.equal(detectFormat('dir.v2/a.tsv.gz'), 'tsv')
    assert.equal(detectFormat('a.parquet'), 'parquet')
    assert.equal(detectFormat('a.txt', 'csv'), 'csv')
    assert.throws(() => detectFormat('a.txt'), /--format/)
    assert.throws(() => detectFormat('a.parquet.gz'), /gunzip/)
  })
})
