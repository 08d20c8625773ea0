import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DataError } from '../errors.ts'
import { PAIR_COLUMN_DEFAULTS, pairFromRecord, pairTexts } from './preference-pair.ts'

const where = { file: 'p.jsonl', line: 3 }

test('plain rows', () => {
  assert.deepEqual(pairFromRecord({ prompt: 'Hi', chosen: 'Hello!', rejected: 'Go away', subset: 'chat' }, where), {
    prompt: 'Hi',
    chosen: 'Hello!',
    rejected: 'Go away',
    subset: 'chat',
    line: 3,
  })
})

test('chat rows: the last assistant turn is the response and earlier turns are the shared prompt', () => {
  const turns = [
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello' },
    { role: 'user', content: 'Help me' },
  ]
  const p = pairFromRecord(
    {
      chosen: [...turns, { role: 'assistant', content: 'Sure' }],
      rejected: [...turns, { role: 'assistant', content: 'No' }],
    },
    where,
  )
  assert.equal(p.chosen, 'Sure')
  assert.equal(p.rejected, 'No')
  assert.deepEqual(p.messages, turns)
  assert.equal(p.prompt, 'user: Hi\n\nassistant: Hello\n\nuser: Help me')
  const [c, r] = pairTexts(p)
  assert.deepEqual(c, { prompt: p.prompt, messages: turns, response: 'Sure' })
  assert.equal(r.response, 'No')
  // A prompt string with message lists that hold only the answer (UltraFeedback-like).
  const u = pairFromRecord(
    { prompt: 'Q', chosen: [{ role: 'assistant', content: 'A' }], rejected: [{ role: 'assistant', content: 'B' }] },
    where,
  )
  assert.deepEqual([u.prompt, u.chosen, u.rejected], ['user: Q', 'A', 'B'])
})

test('HH rows are split at the last shared assistant turn', () => {
  const p = pairFromRecord(
    { chosen: '\n\nHuman: Hi\n\nAssistant: Hello!', rejected: '\n\nHuman: Hi\n\nAssistant: Go away.' },
    where,
  )
  assert.equal(p.prompt, 'user: Hi')
  assert.deepEqual([p.chosen, p.rejected], ['Hello!', 'Go away.'])
  // The same with the shared prefix repeated in a prompt field.
  const q = pairFromRecord(
    {
      prompt: '\n\nHuman: Hi\n\nAssistant:',
      chosen: '\n\nHuman: Hi\n\nAssistant: Hello!',
      rejected: '\n\nHuman: Hi\n\nAssistant: Go away.',
    },
    where,
  )
  assert.deepEqual([q.prompt, q.chosen, q.rejected], ['user: Hi', 'Hello!', 'Go away.'])
  // A plain prompt whose responses happen to start with it is left alone.
  const plain = pairFromRecord({ prompt: 'Hi', chosen: 'Hi there!', rejected: 'Hi, go away' }, where)
  assert.deepEqual([plain.chosen, plain.rejected], ['Hi there!', 'Hi, go away'])
})

test('bad rows name file, line and field', () => {
  assert.throws(
    () => pairFromRecord({ prompt: 'x', chosen: 'a' }, where),
    (e: unknown) => {
      assert.ok(e instanceof DataError)
      assert.match(e.message, /p\.jsonl, line 3, field "rejected": missing "rejected"/)
      return true
    },
  )
  assert.throws(() => pairFromRecord({ chosen: 'a', rejected: 'b' }, where), /field "prompt"/)
  assert.throws(
    () =>
      pairFromRecord(
        { chosen: [{ role: 'user', content: 'a' }], rejected: [{ role: 'assistant', content: 'b' }] },
        where,
      ),
    /must end with an assistant turn/,
  )
  assert.throws(
    () =>
      pairFromRecord(
        {
          chosen: [
            { role: 'user', content: 'a' },
            { role: 'assistant', content: 'x' },
          ],
          rejected: [
            { role: 'user', content: 'b' },
            { role: 'assistant', content: 'y' },
          ],
        },
        where,
      ),
    /must share the prompt/,
  )
  assert.throws(
    () => pairFromRecord({ chosen: '\n\nHuman: A\n\nAssistant: x', rejected: '\n\nHuman: B\n\nAssistant: y' }, where),
    /share no/,
  )
})

test("TRL's message-list prompt with string responses (once refused as 'missing prompt')", () => {
  const prompt = [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Capital of France?' },
  ]
  const p = pairFromRecord({ prompt, chosen: 'Paris.', rejected: 'Lyon.' }, where)
  assert.deepEqual(p.messages, prompt)
  assert.equal(p.prompt, 'system: Be brief.\n\nuser: Capital of France?')
  assert.deepEqual([p.chosen, p.rejected], ['Paris.', 'Lyon.'])
})

test('optional margin, win-probability and group columns, read only when named', () => {
  const row = { prompt: 'Q', chosen: 'A', rejected: 'B', margin: '1.5', p: 0.5, pid: 7 }
  const columns = { ...PAIR_COLUMN_DEFAULTS, margin: 'margin', label: 'p', group: 'pid' }
  const p = pairFromRecord(row, where, columns)
  assert.deepEqual([p.margin, p.label, p.group], [1.5, 0.5, '7'])
  assert.equal(pairFromRecord(row, where).margin, undefined)
  assert.throws(
    () => pairFromRecord({ ...row, p: 1.2 }, where, columns),
    (e) =>
      e instanceof DataError &&
      /"p" is 1.2; expected a probability in \[0, 1\]/.test(e.message) &&
      /line 3/.test(e.message),
  )
  assert.throws(() => pairFromRecord({ ...row, margin: 'wide' }, where, columns), /"margin" is "wide"/)
})
