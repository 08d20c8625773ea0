import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatNumber, table } from './format.ts'

test('tables align columns and format numbers', () => {
  const t = table(
    ['name', 'mse'],
    [
      ['a', 0.5],
      ['longer', 12],
    ],
  )
  assert.equal(t, ['name       mse', '------  ------', 'a       0.5000', 'longer      12'].join('\n'))
  assert.equal(formatNumber(Number.NaN), 'NaN')
  assert.equal(formatNumber(-0.123456, 2), '-0.12')
})
