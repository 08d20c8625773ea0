import assert from 'node:assert/strict'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { openSlice, SLICE_DIR, SliceWriter } from './shard-slice.ts'

test('a slice gives back every row to the bit: -0, missing labels, odd text, chat turns, side features', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rewardfit-slice-'))
  try {
    const w = await SliceWriter.create(dir, ['/in/a.csv', '/in/b.csv'])
    const odd = 'line\nbreak\r\u2028sep\u2029 \ud800 lone, "quoted" \u0000 漢字 😀'
    const rows = [
      { prompt: odd, response: 'r1', targets: Float64Array.of(-0, Number.NaN, 0.1 + 0.2), line: 2 },
      {
        prompt: 'p',
        response: odd,
        messages: [{ role: 'user' as const, content: 'hi\n' }],
        targets: Float64Array.of(5e-324, -1.7976931348623157e308, 3),
        features: Float64Array.of(-0, 1 / 3),
        line: 9,
      },
    ]
    await w.add(rows[0], 0)
    await w.add(rows[1], 1)
    const name = await w.finish('t'.repeat(8), 'y'.repeat(8))
    assert.deepEqual(await readdir(join(dir, SLICE_DIR)), [name])
    const s = openSlice(join(dir, SLICE_DIR, name))
    const back = []
    for await (const r of s.rows()) back.push(r)
    assert.equal(back.length, 2)
    assert.equal(back[0].pair.prompt, odd)
    assert.equal(back[1].pair.response, odd)
    assert.deepEqual(back[1].pair.messages, rows[1].messages)
    assert.equal(back[0].pair.messages, undefined)
    for (let i = 0; i < 2; i++) {
      const a = new Uint8Array(rows[i].targets.buffer)
      assert.deepEqual(new Uint8Array((back[i].targets as Float64Array).buffer), a, `row ${i} targets`)
    }
    assert.ok(Object.is(back[1].features?.[0], -0))
    assert.equal(back[1].features?.[1], 1 / 3)
    assert.equal(back[0].features, undefined)
    assert.deepEqual(s.origin(1), { file: '/in/b.csv', line: 9 })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('an aborted slice leaves nothing behind', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rewardfit-slice-'))
  try {
    const w = await SliceWriter.create(dir, ['/in/a.jsonl'])
    await w.add({ prompt: 'p', response: 'r', targets: [1], line: 1 }, 0)
    await w.abort()
    assert.deepEqual(await readdir(join(dir, SLICE_DIR)), [])
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
