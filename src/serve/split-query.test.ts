/**
 * splitQuery against what OpenRLHF's client does to a query: prompt tokens cut from the left, then
 * decoded with the response. Each case spells out a change a tokenizer's decode round trip makes.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { longestOverlap, MIN_OVERLAP, splitQuery } from './split-query.ts'

const prompt =
  '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nName three prime numbers and say why each is prime.<|im_end|>\n<|im_start|>assistant\n'
const response = '2, 3 and 5: each has no divisor other than 1 and itself.<|im_end|>'

test('an untouched query splits at the prompt, exactly as query.slice(prompt.length)', () => {
  assert.deepEqual(splitQuery(prompt + response, prompt), { response, found: true })
  assert.deepEqual(splitQuery('Hello', ''), { response: 'Hello', found: true })
})

test('a prompt cut from the left: the longest suffix of the prompt that begins the query', () => {
  // Cuts at token boundaries: a special token is one token, never cut in half.
  for (const at of ['system', 'You', 'helpful', 'assistant.', '<|im_end|>', 'user', 'prime', 'why', 'is prime']) {
    const cut = prompt.indexOf(at)
    const got = splitQuery(prompt.slice(cut) + response, prompt)
    assert.deepEqual(got, { response, found: true }, `cut ${cut}`)
  }
})

test('decode round trips: whitespace, a partial character, special tokens, case', () => {
  // SentencePiece drops the leading space of the first kept token; clean_up_tokenization_spaces
  // removes spaces before punctuation.
  const sp = 'Name three prime numbers and say why each is prime .<|im_end|>\n<|im_start|>assistant\n'
  assert.deepEqual(splitQuery(`${sp.trimStart()}${response}`, prompt), { response, found: true })
  assert.deepEqual(
    splitQuery(`three prime numbers and say why each is prime.<|im_end|><|im_start|>assistant\n${response}`, prompt),
    {
      response,
      found: true,
    },
  )
  // A multi-byte character cut in half by the token cut decodes as U+FFFD.
  const de = 'Übersetze ins Englische: Der schnelle braune Fuchs springt über den faulen Hund.\n'
  assert.deepEqual(
    splitQuery(
      `\uFFFDbersetze ins Englische: Der schnelle braune Fuchs springt über den faulen Hund.\nThe quick brown fox.`,
      de,
    ),
    {
      response: 'The quick brown fox.',
      found: true,
    },
  )
  // A BOS the prompt text did not hold, and special tokens dropped by skip_special_tokens=True.
  assert.deepEqual(splitQuery(`<s> ${prompt}${response}`, prompt), { response, found: true })
  assert.deepEqual(
    splitQuery(
      'system\nYou are a helpful assistant.\nuser\nName three prime numbers and say why each is prime.\nassistant\nTwo.',
      prompt,
    ),
    { response: 'Two.', found: true },
  )
  // An uncased tokenizer lowercases.
  assert.deepEqual(splitQuery(`${prompt.slice(prompt.indexOf('user')).toLowerCase()}${response}`, prompt), {
    response,
    found: true,
  })
})

test('no overlap, or one shorter than MIN_OVERLAP: the whole query is the response', () => {
  assert.deepEqual(splitQuery('Seven is prime.', 'Q: name a prime.\nA:'), { response: 'Seven is prime.', found: false })
  // "prime." is a suffix of the prompt and begins the query, but 6 characters prove nothing.
  const short = 'prime. Seven.'
  assert.ok('prime.'.length < MIN_OVERLAP)
  assert.deepEqual(splitQuery(short, 'Q: name a prime.'.repeat(3)), { response: short, found: false })
  // A whole short prompt counts even below MIN_OVERLAP.
  assert.deepEqual(splitQuery('Q:name a prime.\nA: 7', 'Q: name a prime.\nA:'), { response: ' 7', found: true })
})

test('longestOverlap matches a brute-force search', () => {
  const alphabet = ['a', 'b']
  let seed = 1
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed / 2 ** 31
  }
  for (let t = 0; t < 500; t++) {
    const p = Array.from({ length: Math.floor(rand() * 12) }, () => alphabet[Math.floor(rand() * 2)])
    const q = Array.from({ length: Math.floor(rand() * 12) }, () => alphabet[Math.floor(rand() * 2)])
    let best = 0
    for (let n = 1; n <= Math.min(p.length, q.length); n++) {
      if (p.slice(p.length - n).join('') === q.slice(0, n).join('')) best = n
    }
    assert.equal(longestOverlap(p, q), best, `${p.join('')} / ${q.join('')}`)
  }
})
