import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { brotliCompressSync, gzipSync } from 'node:zlib'
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet'
import { parquetWriteBuffer } from 'hyparquet-writer'
import { DataError } from '../errors.ts'
import { parquetColumns, readParquet } from './parquet.ts'
import type { RawRecord } from './raw-record.ts'
import { readRatings } from './read-ratings.ts'
import { collect, collectBatches, tempFile } from './test-files.ts'

const N = 50
const columnData = [
  { name: 'prompt', data: Array.from({ length: N }, (_, i) => `question ${i % 7}`), type: 'STRING' as const },
  { name: 'response', data: Array.from({ length: N }, (_, i) => `answer number ${i}`), type: 'STRING' as const },
  { name: 'helpfulness', data: Array.from({ length: N }, (_, i) => (i === 3 ? null : i % 5)), type: 'DOUBLE' as const },
  { name: 'id', data: Array.from({ length: N }, (_, i) => BigInt(i)), type: 'INT64' as const },
]

/**
 * Node 20's zlib has no zstd encoder, so ZSTD pages are written as valid zstd frames made of raw
 * (stored) blocks: enough to exercise the reader's ZSTD path through hyparquet-compressors.
 */
function zstdStoredFrame(input: Uint8Array): Uint8Array {
  const BLOCK = 1 << 17
  const blocks = Math.max(1, Math.ceil(input.length / BLOCK))
  const out = new Uint8Array(9 + blocks * 3 + input.length)
  const view = new DataView(out.buffer)
  view.setUint32(0, 0xfd2fb528, true) // magic
  out[4] = 0xa0 // single segment, 4-byte frame content size
  view.setUint32(5, input.length, true)
  let o = 9
  for (let b = 0; b < blocks; b++) {
    const chunk = input.subarray(b * BLOCK, (b + 1) * BLOCK)
    const header = (b === blocks - 1 ? 1 : 0) | (chunk.length << 3) // raw block type 0
    out[o] = header & 0xff
    out[o + 1] = (header >>> 8) & 0xff
    out[o + 2] = (header >>> 16) & 0xff
    out.set(chunk, o + 3)
    o += 3 + chunk.length
  }
  return out
}

async function writeParquet(
  name: string,
  codec: 'SNAPPY' | 'GZIP' | 'BROTLI' | 'ZSTD' | 'UNCOMPRESSED',
  rowGroupSize = 16,
) {
  const compressors = {
    GZIP: (b: Uint8Array) => gzipSync(b),
    BROTLI: (b: Uint8Array) => brotliCompressSync(b),
    ZSTD: zstdStoredFrame,
  }
  const buf = parquetWriteBuffer({ columnData, codec, compressors, rowGroupSize })
  return tempFile(name, new Uint8Array(buf))
}

describe('readParquet', () => {
  for (const codec of ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI', 'ZSTD'] as const) {
    it(`reads every row in order across row groups and batches (${codec})`, async () => {
      const file = await writeParquet(`a-${codec}.parquet`, codec)
      const meta = await parquetMetadataAsync(await asyncBufferFromFile(file))
      assert.equal(meta.row_groups.length, 4)
      assert.equal(meta.row_groups[0].columns[1].meta_data?.codec, codec)
      const rows = (await collectBatches(readParquet(file, { batchRows: 5 }))) as RawRecord[]
      assert.equal(rows.length, N)
      assert.deepEqual(
        rows.map((r) => r.line),
        Array.from({ length: N }, (_, i) => i + 1),
      )
      assert.deepEqual(rows[12].values, { prompt: 'question 5', response: 'answer number 12', helpfulness: 2, id: 12 })
      assert.equal(rows[3].values.helpfulness, null)
    })
  }

  it('decodes only the requested columns and lists top-level columns', async () => {
    const file = await writeParquet('b.parquet', 'SNAPPY')
    const rows = (await collectBatches(readParquet(file, { columns: ['prompt', 'nope'] }))) as RawRecord[]
    assert.deepEqual(Object.keys(rows[0].values), ['prompt'])
    assert.deepEqual(await parquetColumns(file), ['prompt', 'response', 'helpfulness', 'id'])
  })

  it('feeds readRatings: null ratings are NaN and errors name the row', async () => {
    const file = await writeParquet('c.parquet', 'SNAPPY')
    const examples = await collect(readRatings(file, { targetColumns: ['helpfulness', 'id'], groupColumn: 'prompt' }))
    assert.equal(examples.length, N)
    assert.ok(Number.isNaN(examples[3].targets[0]))
    assert.equal(examples[3].targets[1], 3)
    assert.equal(examples[10].group, 'question 3')
    await assert.rejects(
      collect(readRatings(file, { targetColumns: ['helpfulness', 'id'], scale: 'helpfulness=0:3' })),
      (e: unknown) => e instanceof DataError && /row 5, field "helpfulness".*outside the scale 0:3/.test(e.message),
    )
  })

  it('reads chat turns from a list-of-struct column and ratings from a struct column', async () => {
    const buf = parquetWriteBuffer({
      columnData: [
        {
          name: 'messages',
          data: [
            [
              { role: 'user', content: 'Hi' },
              { role: 'assistant', content: 'Hello' },
            ],
            [
              { role: 'system', content: 'Be brief.' },
              { role: 'user', content: 'Q' },
              { role: 'assistant', content: 'A' },
            ],
          ],
        },
        { name: 'scores', data: [{ helpfulness: 1 }, { helpfulness: 3 }] },
      ],
    })
    const file = await tempFile('chat.parquet', new Uint8Array(buf))
    const rows = await collect(readRatings(file, { targetColumns: ['scores.helpfulness'] }))
    assert.deepEqual(
      rows.map((r) => [r.prompt, r.response, r.targets[0], r.line]),
      [
        ['user: Hi', 'Hello', 1, 1],
        ['system: Be brief.\n\nuser: Q', 'A', 3, 2],
      ],
    )
    assert.deepEqual(rows[1].messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Q' },
    ])
  })

  it('rejects a file that is not Parquet with a DataError', async () => {
    const file = await tempFile('bad.parquet', 'not parquet at all')
    await assert.rejects(collectBatches(readParquet(file)), DataError)
  })
})
