import assert from 'node:assert/strict'
import { test } from 'node:test'
import { jsonTooDeep, MAX_JSON_DEPTH, parseJsonBody } from './json-body.ts'

test('jsonTooDeep counts brackets outside strings only, escapes included', () => {
  const nest = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`
  assert.equal(jsonTooDeep(nest(MAX_JSON_DEPTH)), false)
  assert.equal(jsonTooDeep(nest(MAX_JSON_DEPTH + 1)), true)
  assert.equal(jsonTooDeep(JSON.stringify({ s: '['.repeat(500) })), false)
  assert.equal(jsonTooDeep(JSON.stringify({ s: `\\"${'{'.repeat(500)}` })), false)
  assert.equal(jsonTooDeep(`{"a": "\\"", "b": ${nest(3)}}`, 4), false)
  assert.equal(jsonTooDeep(`{"a": "\\"", "b": ${nest(4)}}`, 4), true)
})

test('parseJsonBody parses JSON and names what is wrong otherwise', () => {
  assert.deepEqual(parseJsonBody('{"items": [{"prompt": "["}]}'), { items: [{ prompt: '[' }] })
  assert.throws(() => parseJsonBody(' '), /request body is empty/)
  assert.throws(() => parseJsonBody('{"a": NaN}'), /malformed JSON: .*NaN and Infinity are not JSON/)
  assert.throws(() => parseJsonBody('['.repeat(70)), /nested deeper than 64 levels/)
})
