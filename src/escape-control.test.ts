import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DataError, OptionError } from './errors.ts'
import { escapeControl } from './escape-control.ts'

describe('escapeControl', () => {
  it('turns C0, DEL, C1 and bidi controls into visible escapes and keeps other text', () => {
    assert.equal(escapeControl('a\u001b]0;t\u0007b'), 'a\\x1b]0;t\\x07b')
    assert.equal(escapeControl('x\ry\nz\tw'), 'x\\ry\\nz\\tw')
    assert.equal(escapeControl('\u007f\u009b2J'), '\\x7f\\x9b2J')
    assert.equal(escapeControl('abc\u202edef'), 'abc\\u202edef')
    assert.equal(escapeControl('héllo ✓ 日本'), 'héllo ✓ 日本')
    assert.equal(escapeControl('l1\nl2', { keepNewlines: true }), 'l1\nl2')
  })
  it('is applied to every RewardfitError message', () => {
    assert.equal(new DataError('bad \u001b[2J', { file: 'f\u001b.jsonl' }).message, 'f\\x1b.jsonl: bad \\x1b[2J')
    assert.doesNotMatch(new OptionError('x', '\u009b', 'y').message, /\u009b/)
  })
})
