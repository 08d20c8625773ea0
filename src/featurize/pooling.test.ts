import assert from 'node:assert/strict'
import { test } from 'node:test'
import { poolHidden, realSpan } from './pooling.ts'

// hidden [2, 3, 2]: row 0 right-padded (real 0..1), row 1 left-padded (real 1..2); pad positions hold 100s.
const hidden = new Float32Array([1, 2, 3, 4, 100, 100, 100, 100, 5, 6, 7, 9])
const mask = new Uint8Array([1, 1, 0, 0, 1, 1])
const shape = { batch: 2, seq: 3, hidden: 2 }

test('mean averages real tokens only, on either padding side', () => {
  assert.deepEqual(Array.from(poolHidden(hidden, mask, shape, 'mean')), [2, 3, 6, 7.5])
})

test('cls takes the first real token and last the last real token, never a pad', () => {
  assert.deepEqual(Array.from(poolHidden(hidden, mask, shape, 'cls')), [1, 2, 5, 6])
  assert.deepEqual(Array.from(poolHidden(hidden, mask, shape, 'last')), [3, 4, 7, 9])
  assert.deepEqual(realSpan(mask, 1, 3), [1, 2])
})

test('shape mismatches and all-pad rows are errors', () => {
  assert.throws(() => poolHidden(new Float32Array(5), mask, shape, 'mean'), /expected 2x3x2/)
  assert.throws(() => poolHidden(hidden, new Uint8Array(6), shape, 'last'), /row 0 has no real token/)
})
