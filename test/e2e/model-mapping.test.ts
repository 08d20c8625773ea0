/**
 * A model remembers how its training file was read (config.json "data"): score and eval read a file
 * with the same schema without repeating --prompt/--response/--targets/--quote, and flags given
 * again still override the recorded mapping.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { runCli } from '../helpers/run-cli.ts'

const run = runCli

describe('the model remembers its data mapping', () => {
  let dir = ''
  const path = (name: string) => join(dir, name)

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rf-mapping-'))
    // A TSV with HANNA/MLQE-like names and a stray quote that only --quote none reads right.
    const rows = ['pid\tquestion\tstory\talt\trel\tcoh']
    for (let i = 0; i < 60; i++) {
      const story = `${i % 3 === 0 ? '"' : ''}story ${i % 6} about ${['cats', 'dogs', 'ships'][i % 3]} ${'very '.repeat(i % 4)}long`
      rows.push(`p${i % 12}\tprompt ${i % 12}\t${story}\tshort ${i}\t${1 + (i % 5)}\t${1 + ((i * 2) % 5)}`)
    }
    await writeFile(path('train.tsv'), `${rows.join('\n')}\n`)
    const t = run([
      'train',
      '--data',
      path('train.tsv'),
      '--quote',
      'none',
      '--prompt',
      'question',
      '--response',
      'story',
      '--targets',
      'rel,coh',
      '--group',
      'pid',
      '--scale',
      '1:5',
      '--dim',
      '64',
      '--out',
      path('m'),
      '--quiet',
    ])
    assert.equal(t.code, 0, t.stderr)
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('records the mapping in config.json', async () => {
    const config = JSON.parse(await readFile(path('m/config.json'), 'utf8'))
    assert.deepEqual(config.data, {
      promptColumn: 'question',
      responseColumn: 'story',
      messagesColumn: 'messages',
      targetColumns: ['rel', 'coh'],
      groupColumn: 'pid',
      quote: 'none',
      delimiter: null,
    })
  })

  it('score and eval read a same-schema file without the flags', () => {
    const s = run(['score', '--model', path('m'), '--data', path('train.tsv')])
    assert.equal(s.code, 0, s.stderr)
    const lines = s.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    // --quote none: 60 rows, the stray quotes did not merge any.
    assert.equal(lines.length, 60)
    const e = run(['eval', '--model', path('m'), '--data', path('train.tsv'), '--json', '--bootstrap', '0'])
    assert.equal(e.code, 0, e.stderr)
    const report = JSON.parse(e.stdout)
    assert.equal(report.n, 60)
    assert.deepEqual(Object.keys(report.attributes), ['rel', 'coh'])
  })

  it('flags given again override the recorded mapping', () => {
    const own = run(['score', '--model', path('m'), '--data', path('train.tsv')]).stdout
    const alt = run(['score', '--model', path('m'), '--data', path('train.tsv'), '--response', 'alt'])
    assert.equal(alt.code, 0, alt.stderr)
    assert.notEqual(alt.stdout, own)
    const bad = run(['score', '--model', path('m'), '--data', path('train.tsv'), '--response', 'nope'])
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /invalid responseColumn: "nope"/)
  })
})
