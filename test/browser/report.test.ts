/**
 * The eval HTML report in a real browser (Debian's chromium driven by playwright-core): it loads
 * from a file with no console errors and no requests, every chart has drawn marks, the table cells
 * hold the numbers of the embedded --json object, hostile texts stay text, and a screenshot is saved
 * under test-artifacts/.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { BrowserContext, Page } from 'playwright-core'
import { renderReport, writeReport } from '../../src/report/render-report.ts'
import { sampleRun } from '../fixtures/eval/eval-run.ts'
import { launchChromium, skipWithoutChromium } from '../helpers/chromium.ts'

const skip = skipWithoutChromium
const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url))

let context: BrowserContext
let page: Page
let profile: string
let reportUrl: string
const consoleErrors: string[] = []
const requests: string[] = []

before(async () => {
  if (skip) return
  const { run, files, logs } = await sampleRun(2)
  const file = join(files.dir, 'report.html')
  await writeReport(
    file,
    renderReport(run, { logs, sources: { data: files.ratings, pairs: files.pairs }, generatedAt: 'test' }),
  )
  reportUrl = pathToFileURL(file).href
  ;({ context, profile } = await launchChromium())
  page = context.pages()[0] ?? (await context.newPage())
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text())
  })
  page.on('pageerror', (e) => consoleErrors.push(String(e)))
  page.on('request', (r) => {
    if (r.url() !== reportUrl) requests.push(r.url())
  })
  await page.setViewportSize({ width: 1280, height: 900 })
  await page.goto(reportUrl, { waitUntil: 'load' })
})

after(async () => {
  await context?.close()
  if (profile) await rm(profile, { recursive: true, force: true })
})

test('the report loads with no console errors and makes no requests', { skip }, async () => {
  assert.deepEqual(consoleErrors, [])
  assert.deepEqual(requests, [])
  assert.match(await page.title(), /rewardfit eval: model-A vs model-B/)
})

test('every chart has data marks', { skip }, async () => {
  const marks = await page.$$eval('svg.chart', (svgs) =>
    svgs.map((s) => ({ title: s.getAttribute('aria-label'), marks: s.querySelectorAll('.mark').length })),
  )
  assert.equal(marks.length, 27)
  for (const m of marks) assert.ok(m.marks > 0, `${m.title} has no marks`)
  // Scatter: one point per labelled row (60 ratings, 54 coherence labels).
  const scatter = marks.find((m) => m.title === 'coherence: prediction vs target')
  assert.equal(scatter?.marks, 54)
})

test('table cells show the numbers of the embedded --json object', { skip }, async () => {
  // Read the cells in the page, compare in Node (tsx would inject helpers into named in-page functions).
  const { json, cells } = await page.evaluate(() => ({
    json: document.getElementById('eval-json')?.textContent ?? 'null',
    cells: Array.from(document.querySelectorAll('td[data-key]')).map((td) => {
      const section = td.closest('section')
      return {
        comparison: section?.classList.contains('comparison') ?? false,
        root: section?.classList.contains('side-by-side') ?? false,
        model: Array.from(document.querySelectorAll('section.model')).indexOf(section as Element),
        key: td.getAttribute('data-key') ?? '',
        value: td.getAttribute('data-value'),
      }
    }),
  }))
  const data = JSON.parse(json)
  const get = (o: unknown, path: string) =>
    path.split('.').reduce<unknown>((x, k) => (x as Record<string, unknown>)?.[k], o)
  const bad = cells.filter((c) => {
    const source = c.root ? data : c.comparison ? data.comparisons[0] : data.models[c.model]
    return c.value !== JSON.stringify(get(source, c.key) ?? null)
  })
  assert.deepEqual(bad, [])
  assert.ok(cells.length > 100)
  assert.ok(cells.some((c) => c.key === 'attributes.helpfulness.pearson'))
  assert.ok(cells.some((c) => c.key === 'pairs.sections.easy.score'))
  assert.ok(cells.some((c) => c.key === 'models.1.reward.pearson'))
})

test('hostile texts are shown as text, and a screenshot is saved', { skip }, async () => {
  const state = await page.evaluate(() => ({
    scripts: document.querySelectorAll('script').length,
    images: document.querySelectorAll('img').length,
    pwned: (window as unknown as { __pwned?: number }).__pwned ?? null,
    shown: Array.from(document.querySelectorAll('.text')).some((e) =>
      e.textContent?.includes('<script>window.__pwned = 1</script>'),
    ),
  }))
  assert.deepEqual(state, { scripts: 1, images: 0, pwned: null, shown: true })
  await mkdir(artifacts, { recursive: true })
  await page.screenshot({ path: join(artifacts, 'eval-report.png'), fullPage: true })
  assert.ok(existsSync(join(artifacts, 'eval-report.png')))
})
