import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { gzipSync } from 'node:zlib'
import { DataError } from '../errors.ts'
import { QuotedRowParser, readDelimited } from './delimited.ts'
import { isBadRecord, type RawRecord } from './raw-record.ts'
import { collectBatches, tempFile } from './test-files.ts'

const CSV = 'a,b,c\r\n1,"x, y",3\r\n"multi\r\nline ""quoted""",,z\r\n\r\nlast,"",end'

function parseAll(chunks: string[]) {
  const p = new QuotedRowParser(',')
  const rows = chunks.flatMap((c) => p.push(c))
  return [...rows, ...p.end()].map((r) => ({ fields: r.fields, line: r.line, endLine: r.endLine }))
}

describe('QuotedRowParser', () => {
  it('parses RFC 4180 quoting, escaped quotes, embedded CRLF and skips blank lines', () => {
    assert.deepEqual(parseAll([CSV]), [
      { fields: ['a', 'b', 'c'], line: 1, endLine: 1 },
      { fields: ['1', 'x, y', '3'], line: 2, endLine: 2 },
      { fields: ['multi\r\nline "quoted"', '', 'z'], line: 3, endLine: 4 },
      { fields: ['last', '', 'end'], line: 6, endLine: 6 },
    ])
  })

  it('gives the same rows however the input is chunked', () => {
    const whole = parseAll([CSV])
    for (let cut = 1; cut < CSV.length; cut++) {
      assert.deepEqual(parseAll([CSV.slice(0, cut), CSV.slice(cut)]), whole, `cut at ${cut}`)
    }
    assert.deepEqual(parseAll([...CSV]), whole)
  })

  it('keeps text after a closing quote and flags it', () => {
    const p = new QuotedRowParser('\t')
    const [row] = [...p.push('"Title". rest\tb\n'), ...p.end()]
    assert.deepEqual(row.fields, ['Title. rest', 'b'])
    assert.equal(row.strayQuote, true)
  })

  it('throws a DataError naming the opening line for an unterminated quote', () => {
    const p = new QuotedRowParser(',', 'f.csv')
    p.push('a,b\n1,2\n3,"open\nmore\n')
    assert.throws(
      () => p.end(),
      (e: unknown) => e instanceof DataError && /f\.csv, line 3/.test(e.message) && /quote 'none'/.test(e.message),
    )
  })
})

describe('readDelimited', () => {
  it('drops a BOM, maps fields to the header and numbers rows by physical start line', async () => {
    const file = await tempFile('a.csv', `\uFEFFprompt,response\n"two\nlines",ok\nq,r\n`)
    const rows = (await collectBatches(readDelimited(file, { delimiter: ',', quote: 'auto' }))) as RawRecord[]
    assert.deepEqual(
      rows.map((r) => [r.values, r.line]),
      [
        [{ prompt: 'two\nlines', response: 'ok' }, 2],
        [{ prompt: 'q', response: 'r' }, 4],
      ],
    )
  })

  it('reads .gz files', async () => {
    const file = await tempFile('a.tsv.gz', gzipSync('x\ty\n1\t2\n'))
    const rows = (await collectBatches(readDelimited(file, { delimiter: '\t', quote: 'auto' }))) as RawRecord[]
    assert.deepEqual(rows[0].values, { x: '1', y: '2' })
  })

  it("with quote 'none' reads one row per line; 'auto' merges rows and warns, naming file and line", async () => {
    const tsv = 'id\ttext\n1\t"stray quote\n2\tplain\n3\tend" here\n'
    const file = await tempFile('q.tsv', tsv)
    const none = (await collectBatches(readDelimited(file, { delimiter: '\t', quote: 'none' }))) as RawRecord[]
    assert.deepEqual(
      none.map((r) => r.values.text),
      ['"stray quote', 'plain', 'end" here'],
    )
    const warnings: string[] = []
    const auto = (await collectBatches(
      readDelimited(file, { delimiter: '\t', quote: 'auto', onWarning: (m) => warnings.push(m) }),
    )) as RawRecord[]
    assert.deepEqual(
      auto.map((r) => r.values.text),
      ['stray quote\n2\tplain\n3\tend here'],
    )
    assert.ok(warnings.some((w) => w.includes(file) && w.includes('line 2') && w.includes('spans lines 2-4')))
  })

  it('yields a BadRecord for a wrong field count and throws on a duplicate header', async () => {
    const file = await tempFile('b.csv', 'a,b\n1,2,3\n4,5\n')
    const rows = await collectBatches(readDelimited(file, { delimiter: ',', quote: 'auto' }))
    assert.ok(
      isBadRecord(rows[0]) &&
        rows[0].reason === 'field-count' &&
        /line 2.*3 fields.*header has 2/.test(rows[0].error.message),
    )
    assert.deepEqual((rows[1] as RawRecord).values, { a: '4', b: '5' })
    const dup = await tempFile('d.csv', 'a,a\n1,2\n')
    await assert.rejects(collectBatches(readDelimited(dup, { delimiter: ',', quote: 'auto' })), /column "a" twice/)
  })
})
