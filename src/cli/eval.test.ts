import assert from 'node:assert/strict'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { before, test } from 'node:test'
import { hashingModel } from '../../test/browser/hashing-model.ts'
import { type EvalFiles, writeEvalFiles } from '../../test/fixtures/eval/eval-data.ts'
import { readRatings } from '../data/read-ratings.ts'
import { evaluateRatings } from '../eval/evaluate.ts'
import { loadRewardModel } from '../model/load-model.ts'
import { saveRewardModel } from '../model/save-model.ts'
import { main } from './main.ts'

let files: EvalFiles
let modelA: string
let modelB: string

before(async () => {
  files = writeEvalFiles()
  modelA = join(files.dir, 'model-a')
  modelB = join(files.dir, 'model-b')
  await saveRewardModel(modelA, hashingModel({ dim: 512, seed: 7 }), {
    'training-log.jsonl': readFileSync(files.log, 'utf8'),
  })
  await saveRewardModel(modelB, hashingModel({ dim: 512, seed: 8 }))
})

/**
 * Runs the CLI in-process and captures the strings it writes. Non-string chunks pass through: the
 * node:test child process reports results to its parent as binary (v8-serialized) writes on stdout,
 * which may happen while a later test is capturing.
 */
async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const stdout = process.stdout.write
  const stderr = process.stderr.write
  const capture = (original: typeof stdout, stream: NodeJS.WriteStream, append: (s: string) => void) =>
    ((chunk: unknown, ...rest: unknown[]) => {
      if (typeof chunk === 'string') {
        append(chunk)
        return true
      }
      return (original as (...a: unknown[]) => boolean).call(stream, chunk, ...rest)
    }) as typeof stdout
  process.stdout.write = capture(stdout, process.stdout, (s) => {
    out += s
  })
  process.stderr.write = capture(stderr, process.stderr, (s) => {
    err += s
  })
  try {
    const code = await main(['node', 'rewardfit', 'eval', ...args])
    return { code, out, err }
  } finally {
    process.stdout.write = stdout
    process.stderr.write = stderr
  }
}

const ISSUE3_KEYS = ['l_rating', 'mse', 'rmse', 'mae', 'pearson', 'spearman', 'kendall', 'pairwise_accuracy', 'n']

test('--json prints one object in the shape of issue 3, equal to the library result', async () => {
  const r = await run('--model', modelA, '--data', files.ratings, '--json', '--bootstrap', '50')
  assert.equal(r.code, 0, r.err)
  const json = JSON.parse(r.out)
  assert.deepEqual(Object.keys(json.attributes), ['helpfulness', 'coherence', 'verbosity'])
  for (const col of [...Object.values(json.attributes), json.reward] as Record<string, unknown>[]) {
    for (const k of ISSUE3_KEYS) assert.equal(typeof col[k], 'number', `${k} is ${col[k]}`)
    assert.equal((col.ci as Record<string, number[]>).pearson.length, 2)
  }
  assert.equal(json.attributes.helpfulness.n, 60)
  assert.equal(json.attributes.coherence.n, 54) // 6 rows have no coherence label
  assert.equal(json.reward.n, 54)
  assert.equal(json.pairs, undefined)
  const model = await loadRewardModel(modelA)
  const lib = await evaluateRatings(model, readRatings(files.ratings, { targetColumns: model.attributes }), {
    bootstrap: 50,
  })
  assert.deepEqual(json, JSON.parse(JSON.stringify(lib)))
})

test('--pairs with --sections adds "pairs"; tables by default', async () => {
  const r = await run(
    '--model',
    modelA,
    '--pairs',
    files.pairs,
    '--sections',
    'easy=plain,chat;hard=hh',
    '--json',
    '--bootstrap',
    '0',
  )
  assert.equal(r.code, 0, r.err)
  const json = JSON.parse(r.out)
  assert.equal(json.attributes, undefined)
  assert.equal(json.pairs.n, 24)
  assert.deepEqual(Object.keys(json.pairs.subsets), ['plain', 'chat', 'hh'])
  assert.equal(json.pairs.sections.hard.n, 8)
  assert.ok(json.pairs.accuracy >= 0 && json.pairs.accuracy <= 1)
  // Column flags rename the pair fields: 'subset' read from another column gives one unnamed group.
  const renamed = await run(
    '--model',
    modelA,
    '--pairs',
    files.pairs,
    '--subset',
    'category',
    '--json',
    '--bootstrap',
    '0',
  )
  assert.equal(renamed.code, 0, renamed.err)
  assert.deepEqual(JSON.parse(renamed.out).pairs.subsets, {})
  const badColumn = await run('--model', modelA, '--pairs', files.pairs, '--chosen', 'winner', '--bootstrap', '0')
  assert.equal(badColumn.code, 1)
  assert.match(badColumn.err, /pairs\.jsonl, line 1, field "winner": missing "winner"/)
  const t = await run('--model', modelA, '--data', files.ratings, '--pairs', files.pairs, '--bootstrap', '20')
  assert.equal(t.code, 0, t.err)
  assert.match(t.out, /rating metrics \(60 rows/)
  assert.match(t.out, /95% bootstrap intervals \(20 resamples, seed 0\)/)
  assert.match(t.out, /preference pairs/)
})

test('two models: side by side, a paired comparison, and an HTML report', async () => {
  const report = join(files.dir, 'out.html')
  const r = await run(
    '--model',
    modelA,
    '--model',
    modelB,
    '--data',
    files.ratings,
    '--pairs',
    files.pairs,
    '--json',
    '--bootstrap',
    '40',
    '--report',
    report,
  )
  assert.equal(r.code, 0, r.err)
  const json = JSON.parse(r.out)
  assert.deepEqual(
    json.models.map((m: { model: string }) => m.model),
    [modelA, modelB],
  )
  const c = json.comparisons[0]
  assert.equal(c.resamples, 40)
  for (const k of ['a', 'b', 'diff', 'diff_ci', 'b_better', 'p_value']) assert.ok(k in c.reward.pearson)
  assert.ok(c.pairs.accuracy.b_better >= 0 && c.pairs.accuracy.b_better <= 1)
  const html = readFileSync(report, 'utf8')
  assert.match(html, /Training curves/)
  assert.match(html, /Comparison:/)
  assert.match(r.err, /wrote .*out\.html/)
})

test('usage errors exit 2, failures exit 1, each with one line and no stack trace', async () => {
  const cases: [string[], number, RegExp][] = [
    [['--data', 'x.jsonl'], 2, /--model/],
    [['--model', 'm'], 2, /--data/],
    [['--model', 'm', '--data', 'x.jsonl', '--bootstrap', '-1'], 2, /bootstrap/],
    [['--model', 'm', '--data', 'x.jsonl', '--level', 'high'], 2, /--level/],
    [['--model', 'm', '--pairs', 'x.jsonl', '--sections', 'chat'], 2, /sections/],
    [['--model', 'm', '--data', 'x.jsonl', '--frobnicate'], 2, /unknown option/],
    [['--model', join(files.dir, 'nope'), '--data', 'x.jsonl'], 1, /nope/],
  ]
  for (const [args, code, message] of cases) {
    const r = await run(...args)
    assert.equal(r.code, code, `${args.join(' ')}: ${r.err}`)
    assert.match(r.err, message)
    assert.ok(!/\n\s+at /.test(r.err), r.err)
  }
  const wrongTargets = await run('--model', modelA, '--data', files.ratings, '--targets', 'helpfulness')
  assert.equal(wrongTargets.code, 2)
  assert.match(wrongTargets.err, /3 column\(s\), one per model attribute/)
  const unknownColumns = await run('--model', modelA, '--data', files.ratings, '--targets', 'a,b,c')
  assert.equal(unknownColumns.code, 2)
  assert.match(unknownColumns.err, /"a".*its columns are: prompt, response, helpfulness/)
  // Ratings are checked against the model's scales by default (helpfulness 1..5): a 9 is an error
  // naming file, line and field, or a counted skip with --skip-invalid.
  const bad = join(files.dir, 'bad.jsonl')
  writeFileSync(
    bad,
    `${readFileSync(files.ratings, 'utf8')}${JSON.stringify({ prompt: 'q', response: 'r', helpfulness: 9, coherence: 1, verbosity: 1 })}\n`,
  )
  const outOfScale = await run('--model', modelA, '--data', bad, '--bootstrap', '0')
  assert.equal(outOfScale.code, 1)
  assert.match(outOfScale.err, /bad\.jsonl, line 61, field "helpfulness"/)
  const skipped = await run('--model', modelA, '--data', bad, '--bootstrap', '0', '--skip-invalid', '--json')
  assert.equal(skipped.code, 0, skipped.err)
  assert.equal(JSON.parse(skipped.out).n, 60)
  assert.match(skipped.err, /skipped 1 invalid row/)
  const badReport = await run(
    '--model',
    modelA,
    '--data',
    files.ratings,
    '--bootstrap',
    '0',
    '--report',
    join(files.dir, 'no', 'r.html'),
  )
  assert.equal(badReport.code, 1)
  assert.match(badReport.err, /^error: cannot write the report to .*r\.html \(ENOENT\); check that its folder exists/)
  const missingFile = await run('--model', modelA, '--data', join(files.dir, 'missing.jsonl'))
  assert.equal(missingFile.code, 1)
  assert.ok(!existsSync(join(files.dir, 'missing.jsonl')))
})
