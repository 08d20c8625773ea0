import assert from 'node:assert/strict'
import { test } from 'node:test'
import { normalizeText, tokenizeWords, WordSpans } from './tokenize.ts'

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

test('WordSpans finds the words of tokenizeWords, as spans of the normalized text', () => {
  const texts = [
    'Hello, World! 42 times—again',
    "Don't stop",
    '',
    '  ... !!! ',
    'Ｆｕｌｌｗｉｄｔｈ ﬁne Ärger im Café cafe\u0301',
    'हिन्दी भाषा 東京 2024年',
    // astral letters (𝐀 folds to a; 𠀀 is a CJK letter), an emoji (not a word), lone surrogates
    '𝐀bc 𠀀x 😀y z\ud800w \udc00v',
    'İstanbul ΣΊΣΥΦΟΣ straße',
    'trailing word',
  ]
  const w = new WordSpans()
  for (const t of texts) {
    w.scan(t)
    const words = Array.from({ length: w.count }, (_, i) => w.text.slice(w.starts[i], w.ends[i]))
    assert.deepEqual(words, tokenizeWords(t), JSON.stringify(t))
  }
  // Buffers grow past their first size.
  w.scan('a '.repeat(1000))
  assert.equal(w.count, 1000)
})
