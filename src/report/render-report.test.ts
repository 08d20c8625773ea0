import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { sampleRun } from '../../test/fixtures/eval/eval-run.ts'
import { evalJson } from '../eval/evaluate.ts'
import { escapeHtml } from './escape.ts'
import { renderReport, writeReport } from './render-report.ts'
import { parseTrainingLog } from './training-log.ts'

const lookup = (obj: unknown, path: string): unknown => {
  // Keys may contain dots only in user-given names; the fixtures' names have none.
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], obj)
}
const unescapeHtml = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')

test('the report escapes every text, its tables hold the --json numbers, and every chart has marks', async () => {
  const { run, files, logs } = await sampleRun(2)
  const html = renderReport(run, { logs, sources: { data: files.ratings, pairs: files.pairs }, generatedAt: 'now' })
  // Hostile prompt/response texts appear escaped, never as markup.
  assert.ok(!html.includes('<script>window'))
  assert.ok(!html.includes('<img src=x'))
  assert.ok(html.includes(escapeHtml('<script>window.__pwned = 1</script>')))
  assert.equal(html.match(/<script/g)?.length, 1, 'only the JSON data block')
  assert.ok(!/https?:\/\//.test(html.replaceAll('http://www.w3.org/2000/svg', '')), 'no network references')
  assert.ok(html.includes('Most wrongly ranked pairs'))

  // The embedded JSON is the --json object, and each table cell shows a value from it.
  const embedded = JSON.parse(
    unescapeHtml(/<script type="application\/json" id="eval-json">(.*?)<\/script>/s.exec(html)?.[1] ?? 'null').replace(
      /\\u003c/g,
      '<',
    ),
  )
  const json = JSON.parse(JSON.stringify(evalJson(run)))
  assert.deepEqual(embedded, json)
  const cells = [...html.matchAll(/data-key="([^"]+)" data-value="([^"]*)"/g)]
  assert.ok(cells.length > 100, `${cells.length} cells`)
  let checked = 0
  for (const [, key, value] of cells) {
    // Model sections come in order; comparison cells are under comparisons[0].
    const v = JSON.parse(unescapeHtml(value))
    const inModels = json.models.some((m: unknown) => JSON.stringify(lookup(m, key)) === JSON.stringify(v))
    const inComparison = JSON.stringify(lookup(json.comparisons[0], key)) === JSON.stringify(v)
    const atRoot = JSON.stringify(lookup(json, key)) === JSON.stringify(v)
    assert.ok(inModels || inComparison || atRoot, `${key} = ${value} is not in the JSON`)
    checked++
  }
  assert.equal(checked, cells.length)

  const charts = [...html.matchAll(/<svg class="chart"[\s\S]*?<\/svg>/g)].map((m) => m[0])
  // Per model: 4 columns × 3 charts + training curve (first model only) + pairs bar chart.
  assert.equal(charts.length, 2 * (4 * 3 + 1) + 1)
  for (const c of charts) assert.ok((c.match(/class="mark/g)?.length ?? 0) > 0, c.slice(0, 200))
  assert.ok(html.includes('No training log'))
})

test('writeReport writes atomically and leaves no temp file', async () => {
  const { run, files, logs } = await sampleRun(1)
  const out = join(files.dir, 'report.html')
  await writeReport(out, renderReport(run, { logs }))
  assert.ok(existsSync(out))
  assert.deepEqual(
    readdirSync(files.dir).filter((f) => f.includes('.tmp')),
    [],
  )
  assert.match(readFileSync(out, 'utf8'), /^<!doctype html>/)
})

test('training logs in camelCase or snake_case; a torn last line is ignored', () => {
  const log = parseTrainingLog(
    '{"epoch":1,"trainLRating":-1,"valLRating":-1.5}\n{"epoch":2,"train_l_rating":-0.5,"val_l_rating":null}\n{"epoch":3,"tr',
  )
  assert.deepEqual(log, [
    { epoch: 1, train: -1, val: -1.5 },
    { epoch: 2, train: -0.5, val: null },
  ])
  assert.equal(parseTrainingLog('\n'), null)
})
