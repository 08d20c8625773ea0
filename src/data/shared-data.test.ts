/**
 * Reads the real corpora in ../shared/data when they are present (skipped otherwise): the MLQE-PE
 * TSVs hold stray double quotes and must come out at exactly 7000/1000/1000 rows of 8 fields.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { readDelimited } from './delimited.ts'
import { isBadRecord } from './raw-record.ts'
import { readRatings } from './read-ratings.ts'

const DATA = join(import.meta.dirname, '..', '..', '..', 'shared', 'data')
const MLQE = join(DATA, 'mlqe-pe-en-de')
const HANNA = join(DATA, 'hanna', 'hanna.jsonl')

describe('MLQE-PE en-de TSVs', { skip: existsSync(MLQE) ? false : `${MLQE} not present` }, () => {
  for (const [split, n] of [
    ['train', 7000],
    ['dev', 1000],
    ['test', 1000],
  ] as const) {
    it(`${split}.tsv with quote 'none' gives exactly ${n} rows of 8 fields`, async () => {
      const file = join(MLQE, `${split}.tsv`)
      let rows = 0
      for await (const batch of readDelimited(file, { delimiter: '\t', quote: 'none' })) {
        for (const r of batch) {
          if (isBadRecord(r)) assert.fail(r.error.message)
          assert.equal(Object.keys(r.values).length, 8)
          rows++
        }
      }
      assert.equal(rows, n)
      let examples = 0
      for await (const e of readRatings(file, {
        quote: 'none',
        promptColumn: 'original',
        responseColumn: 'translation',
        targetColumns: ['mean', 'z_mean'],
        scale: 'mean=0:100',
      })) {
        assert.ok(!Number.isNaN(e.targets[1]))
        examples++
      }
      assert.equal(examples, n)
    })
  }

  it("with 'auto' quoting the train TSV warns about its stray quotes", async () => {
    const warnings: string[] = []
    for await (const _ of readDelimited(join(MLQE, 'train.tsv'), {
      delimiter: '\t',
      quote: 'auto',
      onWarning: (m) => warnings.push(m),
    })) {
    }
    assert.ok(warnings.length > 0 && warnings[0].includes('train.tsv, line '), warnings[0])
  })
})

describe('HANNA', { skip: existsSync(HANNA) ? false : `${HANNA} not present` }, () => {
  it('reads 1056 stories with six 1-5 ratings grouped by prompt', async () => {
    const groups = new Set<string>()
    let n = 0
    for await (const e of readRatings(HANNA, {
      responseColumn: 'story',
      targetColumns: 'relevance,coherence,empathy,surprise,engagement,complexity',
      scale: '1:5',
      groupColumn: 'prompt_id',
    })) {
      groups.add(e.group!)
      n++
    }
    assert.equal(n, 1056)
    assert.equal(groups.size, 96)
  })
})
