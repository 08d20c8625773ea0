import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { gzipSync } from 'node:zlib'
import { collect, collectBatches, tempFile } from './test-files.ts'
import { readLines, textChunks } from './text-stream.ts'

describe('textChunks / readLines', () => {
  it('keeps a multi-byte character whole across the 1 MiB read boundary', async () => {
    const pad = 'x'.repeat((1 << 20) - 1) // 'é' (2 bytes) starts at the last byte of the first read
    const text = `${pad}é€😀\nsecond line\n`
    const file = await tempFile('u.txt', text)
    const chunks = await collect(textChunks(file))
    assert.ok(chunks.length >= 2)
    assert.equal(chunks.join(''), text)
    const lines = await collectBatches(readLines(textChunks(file)))
    assert.deepEqual(
      lines.map((l) => [l.line, l.text.slice(-4)]),
      [
        [1, 'é€😀'],
        [2, 'line'],
      ],
    )
  })

  it('gunzips .gz, drops a BOM, handles CRLF and a last line without a newline', async () => {
    const file = await tempFile('a.jsonl.gz', gzipSync('\uFEFFone\r\ntwo\r\n\r\nthree'))
    const lines = await collectBatches(readLines(textChunks(file)))
    assert.deepEqual(
      lines.map((l) => [l.line, l.text]),
      [
        [1, 'one'],
        [2, 'two'],
        [3, ''],
        [4, 'three'],
      ],
    )
  })
})
