import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { OptionError } from '../errors.ts'
import { parseWeights } from './weights.ts'

const ATTRS = ['helpfulness', 'correctness', 'verbosity', 'coherence']

describe('parseWeights', () => {
  it('gives equal weights 1/k without a spec', () => {
    assert.deepEqual(parseWeights(undefined, ATTRS), [0.25, 0.25, 0.25, 0.25])
    assert.deepEqual(parseWeights('', ['a', 'b']), [0.5, 0.5])
  })

  it('weighs named attributes and gives unnamed ones 0; negatives are allowed', () => {
    assert.deepEqual(parseWeights('helpfulness=0.65,correctness=0.8,verbosity=-0.1', ATTRS), [0.65, 0.8, -0.1, 0])
    assert.deepEqual(parseWeights({ coherence: 2 }, ATTRS), [0, 0, 0, 2])
  })

  it('names unknown attributes, bad numbers, duplicates and an all-zero spec', () => {
    assert.throws(
      () => parseWeights('helpfullness=1', ATTRS),
      (e: unknown) => e instanceof OptionError && /helpfulness, correctness, verbosity, coherence/.test(e.message),
    )
    assert.throws(() => parseWeights('helpfulness=abc', ATTRS), /finite number/)
    assert.throws(() => parseWeights('helpfulness', ATTRS), /no name=/)
    assert.throws(() => parseWeights('verbosity=1,verbosity=2', ATTRS), /twice/)
    assert.throws(() => parseWeights('verbosity=0', ATTRS), /constant/)
  })
})
