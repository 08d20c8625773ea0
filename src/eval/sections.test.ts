import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { OptionError } from '../errors.ts'
import { parseSectionsSpec, REWARDBENCH_SECTIONS, sectionScores } from './sections.ts'

test('inline, JSON and built-in section specs', () => {
  assert.deepEqual(parseSectionsSpec('chat=a,b; safety=c'), { chat: { a: null, b: null }, safety: { c: null } })
  const dir = mkdtempSync(join(tmpdir(), 'sections-'))
  const f = join(dir, 's.json')
  writeFileSync(f, JSON.stringify({ chat: ['a'], reasoning: { m: 3, h: 1 } }))
  assert.deepEqual(parseSectionsSpec(f), { chat: { a: null }, reasoning: { m: 3, h: 1 } })
  assert.equal(parseSectionsSpec('rewardbench'), REWARDBENCH_SECTIONS)
  for (const bad of ['chat', '=a', 'chat=', 'a=x;a=y']) assert.throws(() => parseSectionsSpec(bad), OptionError)
  writeFileSync(f, JSON.stringify({ chat: 'a' }))
  assert.throws(() => parseSectionsSpec(f), /neither a list of subsets nor positive weights/)
})

test('sections weight subsets by count (or fixed weights) and the score averages sections', () => {
  const subsets = { a: { accuracy: 1, n: 1 }, b: { accuracy: 0.5, n: 3 }, c: { accuracy: 0.2, n: 10 } }
  const r = sectionScores(subsets, { s: { a: null, b: null, gone: null }, t: { c: null }, u: { a: 3, b: 1 } })
  assert.equal(r.sections.s.score, (1 * 1 + 3 * 0.5) / 4)
  assert.deepEqual(r.sections.s.missing, ['gone'])
  assert.equal(r.sections.s.n, 4)
  assert.equal(r.sections.t.score, 0.2)
  assert.equal(r.sections.u.score, (3 * 1 + 1 * 0.5) / 4)
  assert.equal(r.score, (0.625 + 0.2 + 0.875) / 3)
  // A section with no data is reported as NaN and left out of the mean.
  const empty = sectionScores(subsets, { s: { a: null }, none: { zzz: null } })
  assert.ok(Number.isNaN(empty.sections.none.score))
  assert.equal(empty.score, 1)
})
