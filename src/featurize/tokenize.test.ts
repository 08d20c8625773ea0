import assert from 'node:assert/strict'
import { test } from 'node:test'
import { normalizeText, tokenizeWords } from './tokenize.ts'

test('words are lowercased runs of letters, marks and digits', () => {
  assert.deepEqual(tokenizeWords('Hello, World! 42 times—again'), ['hello', 'world', '42', 'times', 'again'])
  assert.deepEqual(tokenizeWords("Don't stop"), ['don', 't', 'stop'])
  assert.deepEqual(tokenizeWords(''), [])
  assert.deepEqual(tokenizeWords('  ... !!! '), [])
})

test('Unicode: NFKC folds compatibility forms; accents, CJK and combining marks stay in the word', () => {
  assert.deepEqual(tokenizeWords('Ｆｕｌｌｗｉｄｔｈ ﬁne'), ['fullwidth', 'fine'])
  assert.deepEqual(tokenizeWords('Ärger im Café'), ['ärger', 'im', 'café'])
  // decomposed é (e + U+0301) becomes the composed form, so both spellings give one token
  assert.deepEqual(tokenizeWords('cafe\u0301'), tokenizeWords('café'))
  assert.deepEqual(tokenizeWords('हिन्दी भाषा'), ['हिन्दी', 'भाषा'])
  assert.deepEqual(tokenizeWords('東京 2024年'), ['東京', '2024年'])
})

test('normalizeText leaves ASCII alone except for case', () => {
  assert.equal(normalizeText('ABC def'), 'abc def')
  assert.equal(normalizeText('Ⅻ'), 'xii')
})
