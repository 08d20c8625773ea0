import assert from 'node:assert/strict'
import { test } from 'node:test'
import { hhTurns, splitHHPair } from './hh-split.ts'

test('a single-turn HH pair splits at the assistant marker', () => {
  const s = splitHHPair('\n\nHuman: Hi\n\nAssistant: Hello!', '\n\nHuman: Hi\n\nAssistant: Go away.')
  assert.deepEqual(s, {
    prompt: '\n\nHuman: Hi\n\nAssistant:',
    chosen: 'Hello!',
    rejected: 'Go away.',
    messages: [{ role: 'user', content: 'Hi' }],
  })
})

test('multi-turn transcripts that differ only in the last turn keep every earlier turn in the prompt', () => {
  const prefix = '\n\nHuman: How do I bake bread?\n\nAssistant: Mix flour and water.\n\nHuman: And then?\n\nAssistant:'
  const s = splitHHPair(`${prefix} Knead it and let it rise.`, `${prefix} No idea.`)
  assert.ok(s)
  assert.equal(s.prompt, prefix)
  assert.equal(s.chosen, 'Knead it and let it rise.')
  assert.equal(s.rejected, 'No idea.')
  assert.deepEqual(s.messages, [
    { role: 'user', content: 'How do I bake bread?' },
    { role: 'assistant', content: 'Mix flour and water.' },
    { role: 'user', content: 'And then?' },
  ])
})

test('"Assistant:" inside a response or inside a turn never moves the split', () => {
  // The chosen response itself contains a turn marker after the point where the transcripts diverge.
  const prefix = '\n\nHuman: Write a script with the line "Assistant: hi"\n\nAssistant:'
  const chosen = `${prefix} Sure.\n\nAssistant: hi\n\nHuman: thanks`
  const rejected = `${prefix} No.`
  const s = splitHHPair(chosen, rejected)
  assert.ok(s)
  assert.equal(s.prompt, prefix)
  assert.equal(s.chosen, 'Sure.\n\nAssistant: hi\n\nHuman: thanks')
  assert.equal(s.rejected, 'No.')
  // The inline "Assistant: hi" (no blank line before it) stays in the user's turn.
  assert.deepEqual(s.messages, [{ role: 'user', content: 'Write a script with the line "Assistant: hi"' }])
})

test('responses sharing their first words still split at the assistant turn', () => {
  const s = splitHHPair('\n\nHuman: Q\n\nAssistant: I think yes', '\n\nHuman: Q\n\nAssistant: I think no')
  assert.equal(s?.chosen, 'I think yes')
  assert.equal(s?.rejected, 'I think no')
})

test('transcripts that diverge before any assistant turn cannot be split', () => {
  assert.equal(splitHHPair('\n\nHuman: A\n\nAssistant: x', '\n\nHuman: B\n\nAssistant: y'), null)
  assert.deepEqual(hhTurns('Human: hi\n\nAssistant: yo'), [
    { role: 'user', content: 'hi' },
    { role: 'assistant', content: 'yo' },
  ])
})

test('identical transcripts, and an empty rejected answer, still split at the last assistant turn', () => {
  const t = '\n\nHuman: Hi\n\nAssistant: Hello\n\nHuman: Bye\n\nAssistant: Goodbye'
  const same = splitHHPair(t, t)
  assert.equal(same?.chosen, 'Goodbye')
  assert.equal(same?.rejected, 'Goodbye')
  assert.equal(same?.messages.length, 3)
  const empty = splitHHPair('\n\nHuman: Hi\n\nAssistant: Hello', '\n\nHuman: Hi\n\nAssistant:')
  assert.deepEqual([empty?.prompt, empty?.chosen, empty?.rejected], ['\n\nHuman: Hi\n\nAssistant:', 'Hello', ''])
})
