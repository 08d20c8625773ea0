/** The bundled fixtures in test/fixtures/data read as documented (other stages' tests rely on them). */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { readRatings } from './read-ratings.ts'
import { collect } from './test-files.ts'

const FIXTURES = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'data')

describe('fixtures', () => {
  it('ratings.csv: BOM, CRLF, quoted newline and "" escapes, missing ratings, groups', async () => {
    const rows = await collect(
      readRatings(join(FIXTURES, 'ratings.csv'), {
        targetColumns: 'helpfulness,verbosity',
        scale: '0:4',
        groupColumn: 'conversation',
      }),
    )
    assert.equal(rows.length, 4)
    assert.equal(rows[0].response, 'Click "Forgot password" on the sign-in page.\r\nA reset link arrives by email.')
    assert.deepEqual(
      rows.map((r) => [r.line, r.group]),
      [
        [2, 'c1'],
        [4, 'c1'],
        [5, 'c2'],
        [6, 'c2'],
      ],
    )
    assert.ok(Number.isNaN(rows[2].targets[1]) && Number.isNaN(rows[3].targets[1]))
  })

  it('chat.jsonl: the last assistant turn is the response, earlier turns the prompt', async () => {
    const rows = await collect(
      readRatings(join(FIXTURES, 'chat.jsonl'), {
        targetColumns: ['scores.helpfulness', 'scores.verbosity'],
        groupColumn: 'id',
      }),
    )
    assert.equal(rows[2].response, 'International delivery takes 7 to 14 business days.')
    assert.equal(rows[2].prompt, 'user: Do you ship to Canada?\n\nassistant: Yes.\n\nuser: How long does it take?')
    assert.equal(rows[2].messages?.length, 3)
    assert.equal(rows[0].messages?.[0].role, 'system')
  })
})
