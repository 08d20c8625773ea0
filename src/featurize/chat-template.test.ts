import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type ChatTemplater, pairMessages, renderPair } from './chat-template.ts'

// A ChatML-like template written as a function, standing in for the Jinja one.
const chatml: ChatTemplater = {
  chat_template: 'chatml',
  apply_chat_template: (messages) =>
    `${messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join('')}`,
}
// A template that rewrites contents (strips them): the split cannot be trusted, so no parts.
const stripping: ChatTemplater = {
  chat_template: 'strip',
  apply_chat_template: (messages) => messages.map((m) => `[${m.role}]${m.content.trim()}`).join(''),
}

test('x messages, then y as the assistant turn; the prompt alone becomes one user turn', () => {
  assert.deepEqual(pairMessages({ prompt: 'p', response: 'r' }), [
    { role: 'user', content: 'p' },
    { role: 'assistant', content: 'r' },
  ])
  const messages = [
    { role: 'system', content: 's' },
    { role: 'user', content: 'u' },
  ]
  assert.deepEqual(pairMessages({ prompt: 'u', response: 'r', messages }).at(-1), { role: 'assistant', content: 'r' })
  assert.equal(pairMessages({ prompt: 'u', response: 'r', messages }).length, 3)
})

test('head | body | tail split: body starts at the first x content, tail at the response', () => {
  const r = renderPair(chatml, { prompt: 'Hi there', response: 'Hello!' }, 'auto')
  assert.equal(r.mode, 'chat-template')
  assert.equal(r.text, '<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n')
  assert.deepEqual(r.parts, {
    head: '<|im_start|>user\n',
    body: 'Hi there<|im_end|>\n<|im_start|>assistant\n',
    tail: 'Hello!<|im_end|>\n',
  })
  const s = renderPair(
    chatml,
    {
      prompt: 'q',
      response: 'a',
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'q' },
      ],
    },
    'auto',
  )
  assert.equal(s.parts!.head + s.parts!.body + s.parts!.tail, s.text)
  assert.ok(s.parts!.body.startsWith('sys<|im_end|>'))
})

test('no template, or template: plain -> "prompt\\n\\nresponse"; rewriting templates give no split', () => {
  const none: ChatTemplater = { chat_template: null, apply_chat_template: () => assert.fail('not called') }
  assert.deepEqual(renderPair(none, { prompt: 'p', response: 'r' }, 'auto'), {
    mode: 'plain',
    text: 'p\n\nr',
    parts: { head: '', body: 'p\n\n', tail: 'r' },
  })
  assert.equal(renderPair(chatml, { prompt: 'p', response: 'r' }, 'plain').mode, 'plain')
  const r = renderPair(stripping, { prompt: ' p ', response: 'r' }, 'auto')
  assert.equal(r.text, '[user]p[assistant]r')
  assert.equal(r.parts, undefined)
})
