/**
 * Hostile and broken input files through the real CLI: each must end in one clear line (file, line,
 * fix), with no raw control bytes on the terminal and no stack trace.
 */
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { gzipSync } from 'node:zlib'
import { runCli } from '../helpers/run-cli.ts'

const run = runCli
/** Any C0 control but newline, DEL or a C1 control: what a terminal would act on. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/

describe('hostile input through the CLI', () => {
  let dir = ''
  const path = (name: string) => join(dir, name)
  const good = (i: number) => JSON.stringify({ prompt: `question ${i}`, response: `answer ${i} words`, score: i % 5 })
  const goodLines = (n: number) => Array.from({ length: n }, (_, i) => good(i)).join('\n')

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rf-hostile-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('escapes control characters of an invalid JSON line in the error', async () => {
    await writeFile(path('esc.jsonl'), `${goodLines(3)}\n\u001b]0;owned\u0007\u001b[2J\u009b31m{"prompt": 1}\n`)
    const r = run(['train', '--data', path('esc.jsonl'), '--targets', 'score', '--out', path('m-esc'), '--quiet'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /esc\.jsonl, line 4: invalid JSON/)
    assert.doesNotMatch(r.stderr, RAW_CONTROL)
    assert.match(r.stderr, /\\x1b/)
  })

  const train = (data: string, out: string, extra: string[] = []) =>
    run(['train', '--data', data, '--targets', 'score', '--out', out, '--quiet', '--dim', '64', ...extra])

  it('eval --skip-invalid with every row skipped fails with the skip counts', async () => {
    await writeFile(path('ok.jsonl'), `${goodLines(30)}\n`)
    assert.equal(train(path('ok.jsonl'), path('m-ok')).code, 0)
    const bad = Array.from({ length: 4 }, (_, i) => JSON.stringify({ prompt: `q${i}`, response: 'a', score: 'high' }))
    await writeFile(path('allbad.jsonl'), `${bad.join('\n')}\nnot json\n`)
    const r = run(['eval', '--model', path('m-ok'), '--data', path('allbad.jsonl'), '--skip-invalid'])
    assert.equal(r.code, 1, r.stdout)
    assert.match(r.stderr, /every record was invalid and skipped \(5: non-numeric-rating 4, bad-json 1\)/)
    assert.doesNotMatch(r.stdout, /NaN/)
  })

  it('attribute names __proto__ and constructor train, save, score and evaluate', async () => {
    const rows = Array.from({ length: 40 }, (_, i) =>
      JSON.stringify({
        prompt: `question ${i}`,
        response: `answer ${i % 7} words`,
        ['__proto__']: i % 5,
        constructor: (i * 3) % 5,
      }),
    )
    await writeFile(path('proto.jsonl'), `${rows.join('\n')}\n`)
    const t = run([
      'train',
      '--data',
      path('proto.jsonl'),
      '--targets',
      '__proto__,constructor',
      '--scale',
      '__proto__=0:4,constructor=0:4',
      '--weights',
      '__proto__=1,constructor=1',
      '--dim',
      '64',
      '--out',
      path('m-proto'),
      '--json',
    ])
    assert.equal(t.code, 0, t.stderr)
    assert.deepEqual(Object.keys(JSON.parse(t.stdout).metrics.val.attributes), ['__proto__', 'constructor'])
    const config = JSON.parse(await readFile(join(path('m-proto'), 'config.json'), 'utf8'))
    assert.deepEqual(config.attributes, ['__proto__', 'constructor'])
    assert.deepEqual(Object.keys(config.training.metrics.val.attributes), ['__proto__', 'constructor'])
    const s = run(['score', '--model', path('m-proto'), '--data', path('proto.jsonl')])
    assert.equal(s.code, 0, s.stderr)
    const first = JSON.parse(s.stdout.split('\n')[0])
    assert.deepEqual(Object.keys(first.scores), ['__proto__', 'constructor'])
    assert.ok(Object.values(first.scores).every((v) => typeof v === 'number'))
    const e = run(['eval', '--model', path('m-proto'), '--data', path('proto.jsonl'), '--json', '--bootstrap', '0'])
    assert.equal(e.code, 0, e.stderr)
    const report = JSON.parse(e.stdout)
    assert.deepEqual(Object.keys(report.attributes), ['__proto__', 'constructor'])
    assert.equal(report.attributes.constructor.n, 40)
    // A file without such a column gets the usual "not a column" error, not Object.prototype's member.
    await writeFile(path('noattr.jsonl'), `${goodLines(5)}\n`)
    const m = run([
      'train',
      '--data',
      path('noattr.jsonl'),
      '--targets',
      'constructor',
      '--out',
      path('m-x'),
      '--quiet',
    ])
    assert.equal(m.code, 2)
    assert.match(m.stderr, /invalid targetColumns: "constructor"; expected a column of/)
  })

  it('a broken gzip file names the file and a fix', async () => {
    const whole = gzipSync(`${goodLines(200)}\n`)
    await writeFile(path('cut.jsonl.gz'), whole.subarray(0, whole.length - 40))
    const cut = train(path('cut.jsonl.gz'), path('m-gz'))
    assert.equal(cut.code, 1)
    assert.match(
      cut.stderr,
      /cut\.jsonl\.gz: is not a readable gzip file \(unexpected end of file\); it may be truncated/,
    )
    await writeFile(path('plain.jsonl.gz'), `${goodLines(5)}\n`)
    const plain = train(path('plain.jsonl.gz'), path('m-gz'))
    assert.equal(plain.code, 1)
    assert.match(
      plain.stderr,
      /plain\.jsonl\.gz: is not a readable gzip file \(incorrect header check\).*remove the \.gz/,
    )
    assert.doesNotMatch(cut.stderr + plain.stderr, /--verbose|at .*\.ts:/)
  })

  it('warns about bytes that are not UTF-8, with the line', async () => {
    const lines = goodLines(30).split('\n')
    const latin1 = Buffer.from(JSON.stringify({ prompt: 'caf\u00e9 ok', response: 'na\u00efve', score: 2 }), 'latin1')
    const file = Buffer.concat([
      Buffer.from(`${lines.slice(0, 11).join('\n')}\n`),
      latin1,
      Buffer.from(`\n${lines.slice(11).join('\n')}\n`),
    ])
    await writeFile(path('latin1.jsonl'), file)
    const r = train(path('latin1.jsonl'), path('m-latin1'))
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /warning: .*latin1\.jsonl, line 12: bytes that are not UTF-8/)
    // score and eval warn too.
    const s = run(['score', '--model', path('m-latin1'), '--data', path('latin1.jsonl')])
    assert.equal(s.code, 0, s.stderr)
    assert.match(s.stderr, /warning: .*latin1\.jsonl, line 12: bytes that are not UTF-8/)
    const e = run(['eval', '--model', path('m-latin1'), '--data', path('latin1.jsonl'), '--bootstrap', '0'])
    assert.match(e.stderr, /warning: .*latin1\.jsonl, line 12: bytes that are not UTF-8/)
    // A literal U+FFFD written as UTF-8 is text, not an encoding error.
    await writeFile(
      path('fffd.jsonl'),
      `${goodLines(30)}\n${JSON.stringify({ prompt: '\uFFFD', response: 'x', score: 1 })}\n`,
    )
    assert.doesNotMatch(train(path('fffd.jsonl'), path('m-fffd')).stderr, /not UTF-8/)
  })

  it('a UTF-16 file gets an encoding hint', async () => {
    const text = `${goodLines(5)}\n`
    await writeFile(path('u16.jsonl'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]))
    const r = train(path('u16.jsonl'), path('m-u16'))
    assert.equal(r.code, 1)
    assert.match(r.stderr, /u16\.jsonl: looks UTF-16 encoded.*iconv -f utf-16 -t utf-8/)
    await writeFile(path('u16.csv'), Buffer.from('prompt,response,score\nq,a,1\n', 'utf16le'))
    assert.match(train(path('u16.csv'), path('m-u16')).stderr, /u16\.csv: looks UTF-16 encoded/)
  })

  it('1e999 is reported as out of range, not as "rating null"', async () => {
    await writeFile(path('inf.jsonl'), `${goodLines(3)}\n{"prompt": "q", "response": "a", "score": 1e999}\n`)
    const r = train(path('inf.jsonl'), path('m-inf'))
    assert.equal(r.code, 1)
    assert.match(r.stderr, /inf\.jsonl, line 4, field "score": rating .* is out of range: it is not a finite number/)
    await writeFile(path('inf.csv'), 'prompt,response,score\nq,a,1\nq2,b,-1e999\n')
    assert.match(
      train(path('inf.csv'), path('m-inf')).stderr,
      /inf\.csv, line 3, field "score": rating "-1e999" is out of range/,
    )
  })

  it('a folder as --data says it is a folder', async () => {
    await mkdir(path('a-folder'))
    const r = train(path('a-folder'), path('m-dir'))
    assert.equal(r.code, 1)
    assert.match(r.stderr, /a-folder: is a folder; pass a ratings file inside it/)
  })
})
