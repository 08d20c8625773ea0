import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { OptionError } from '../errors.ts'
import { formatScale, parseScale, scalesFor } from './scale.ts'

describe('parseScale', () => {
  it('parses one range for all, named ranges, a default plus overrides, and negatives', () => {
    assert.deepEqual(parseScale('0:4'), { all: { min: 0, max: 4 }, byAttribute: {} })
    assert.deepEqual(parseScale('helpfulness=0:4, verbosity=1:5'), {
      all: null,
      byAttribute: { helpfulness: { min: 0, max: 4 }, verbosity: { min: 1, max: 5 } },
    })
    const mixed = parseScale('1:5,verbosity=-2:-0.5')
    assert.deepEqual(scalesFor(mixed, ['a', 'verbosity']), [
      { min: 1, max: 5 },
      { min: -2, max: -0.5 },
    ])
    assert.equal(formatScale(mixed), '1:5,verbosity=-2:-0.5')
  })

  it('rejects bad syntax, min >= max, duplicates and unknown attribute names', () => {
    for (const bad of ['', '0-4', '4:0', 'a=0:4,a=1:2', '0:1,0:2', '=0:4', 'x:y']) {
      assert.throws(() => parseScale(bad), OptionError, bad)
    }
    assert.throws(
      () => scalesFor(parseScale('colour=0:4'), ['helpfulness']),
      /one of the target attributes: helpfulness/,
    )
    assert.deepEqual(scalesFor(null, ['a', 'b']), [null, null])
  })
})
