import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { renderChat, splitChat, toMessages } from './chat.ts'

describe('chat records', () => {
  const turns = [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello.' },
    { role: 'user', content: 'Price?' },
    { role: 'assistant', content: '$5.' },
  ]

  it('takes the last assistant turn as the response and renders every earlier turn as the prompt', () => {
    const split = splitChat(turns)
    assert.ok(typeof split !== 'string')
    assert.equal(split.response, '$5.')
    assert.deepEqual(split.messages, turns.slice(0, 4))
    assert.equal(split.prompt, 'system: Be brief.\n\nuser: Hi\n\nassistant: Hello.\n\nuser: Price?')
    assert.equal(renderChat(split.messages), split.prompt)
  })

  it('explains conversations it cannot split', () => {
    assert.match(splitChat(turns.slice(0, 2)) as string, /no assistant turn/)
    assert.match(splitChat(turns.slice(0, 4)) as string, /continue after the last assistant turn/)
  })

  it('accepts content parts and JSON strings, rejects malformed turns', () => {
    assert.deepEqual(
      toMessages([
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        },
      ]),
      [{ role: 'user', content: 'ab' }],
    )
    assert.deepEqual(toMessages('[{"role":"user","content":"x"}]'), [{ role: 'user', content: 'x' }])
    assert.match(toMessages([{ content: 'x' }]) as string, /messages\[0\].*role/)
    assert.match(toMessages({ role: 'user' }) as string, /list/)
    assert.match(toMessages('not json') as string, /not JSON/)
  })
})
