/**
 * The page served at GET /, in a real browser (Debian's chromium driven by playwright-core): type a
 * prompt and responses, check the shown scores against POST /v1/score, then load the model into the
 * page (from the server, and from chosen files) and check in-browser scoring matches the server.
 * Saves a screenshot under test-artifacts/.
 */
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import type { BrowserContext, Page } from 'playwright-core'
import { buildServer } from '../../src/serve/app.ts'
import { launchChromium, skipWithoutChromium } from '../helpers/chromium.ts'
import { hashingModel } from './hashing-model.ts'

const skip = skipWithoutChromium
const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url))

const prompt = 'Explain why the sky is blue in one or two sentences.'
const responses = [
  'Sunlight scatters off air molecules, and blue light scatters far more than red (Rayleigh scattering), so the sky looks blue.',
  'Because it is.',
  'The ocean reflects onto the sky, which is why it is blue. Also clouds.',
]

let app: FastifyInstance
let url: string
let context: BrowserContext
let page: Page
let profile: string
const otherOrigins: string[] = []

before(async () => {
  if (skip) return
  // dim 4096, wider than the server tests use. (3 rows · 4096 · 3 multiply-adds stay below
  // ORT_MIN_FLOPS, so both sides run the TypeScript gemm here, the server in Node and the page in
  // chromium; micro-batcher.test.ts compares the onnxruntime path with it.)
  app = buildServer(hashingModel({ dim: 4096 }))
  await app.listen({ host: '127.0.0.1', port: 0 })
  const addr = app.server.address()
  url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
  ;({ context, profile } = await launchChromium())
  page = context.pages()[0] ?? (await context.newPage())
  page.on('request', (r) => {
    if (!r.url().startsWith(url) && !r.url().startsWith('data:')) otherOrigins.push(r.url())
  })
})

after(async () => {
  await context?.close()
  await app?.close()
  if (profile) await rm(profile, { recursive: true, force: true })
})

interface Shown {
  index: number
  values: Record<string, number>
  texts: Record<string, string>
}

/** The numbers a results panel shows, read from the DOM (data-value holds full precision). */
async function shown(panel: string): Promise<Shown[]> {
  return page.$$eval(`${panel} .result`, (cards) =>
    cards.map((c) => {
      const rows = Array.from(c.querySelectorAll<HTMLElement>('.row'))
      return {
        index: Number((c as HTMLElement).dataset.index),
        values: Object.fromEntries(rows.map((r) => [r.dataset.attr as string, Number(r.dataset.value)])),
        texts: Object.fromEntries(
          rows.map((r) => [r.dataset.attr as string, r.querySelector('.num')?.textContent ?? '']),
        ),
      }
    }),
  )
}

async function serverScores(): Promise<{ rewards: number[]; scores: Record<string, number>[] }> {
  const r = await fetch(`${url}/v1/score`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ items: responses.map((response) => ({ prompt, response })) }),
  })
  return r.json()
}

test('the page shows the server scores of what was typed, and scores the same in the browser', { skip }, async () => {
  await page.goto(url)
  await page.waitForSelector('body[data-card="ready"]')
  assert.match((await page.textContent('#card-body')) ?? '', /helpfulness[\s\S]*coherence[\s\S]*verbosity/)
  assert.match((await page.textContent('#card-body')) ?? '', /val\.rmse/)
  assert.match((await page.textContent('#model-summary')) ?? '', /3 attribute\(s\) · backbone hashing · linear head/)

  await page.fill('#prompt', prompt)
  await page.click('#add-response') // the page starts with two response boxes
  const boxes = await page.$$('.response')
  assert.equal(boxes.length, 3)
  for (let i = 0; i < 3; i++) await boxes[i].fill(responses[i])
  await page.click('#score-server')
  await page.waitForSelector('#results-server .result:nth-child(4)') // heading + 3 cards

  const ref = await serverScores()
  const server = await shown('#results-server')
  assert.equal(server.length, 3)
  for (const s of server) {
    assert.equal(s.values.__reward__, ref.rewards[s.index])
    assert.equal(s.texts.__reward__, ref.rewards[s.index].toFixed(3))
    for (const [name, v] of Object.entries(ref.scores[s.index])) assert.equal(s.values[name], v, name)
  }
  // Bars: width is the score's position on the attribute's scale.
  const width = await page.$eval(
    '#results-server .result[data-index="0"] .row[data-attr="helpfulness"] .fill',
    (e) => (e as HTMLElement).style.width,
  )
  const expected = Math.min(1, Math.max(0, (ref.scores[0].helpfulness - 1) / 4)) * 100
  assert.equal(width, `${expected.toFixed(1)}%`)

  // In-browser scoring with the model fetched from the server.
  assert.equal(await page.isDisabled('#score-local'), true)
  await page.click('#load-server-model')
  await page.waitForSelector('body[data-local-model="ready"]')
  await page.click('#score-local')
  await page.waitForSelector('#results-local .result:nth-child(4)')
  const local = await shown('#results-local')
  assert.equal(local.length, 3)
  for (const s of local) {
    assert.ok(
      Math.abs(s.values.__reward__ - ref.rewards[s.index]) < 1e-4,
      `reward ${s.index}: ${s.values.__reward__} vs ${ref.rewards[s.index]}`,
    )
    for (const [name, v] of Object.entries(ref.scores[s.index]))
      assert.ok(Math.abs(s.values[name] - v) < 1e-4, `${name} ${s.index}: ${s.values[name]} vs ${v}`)
  }
  // The responses differ in score, so equal numbers are not an accident.
  assert.equal(new Set(ref.rewards).size, 3)

  await mkdir(artifacts, { recursive: true })
  await page.screenshot({ path: join(artifacts, 'serve-page.png'), fullPage: true })
  assert.deepEqual(otherOrigins, [])
})

test('the page scores locally from a model folder chosen with the file input', { skip }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rewardfit-model-'))
  try {
    const config = await (await fetch(`${url}/v1/model/files/config.json`)).text()
    const head = new Uint8Array(await (await fetch(`${url}/v1/model/files/head.safetensors`)).arrayBuffer())
    await writeFile(join(dir, 'config.json'), config)
    await writeFile(join(dir, 'head.safetensors'), head)
    await page.goto(url)
    await page.waitForSelector('body[data-card="ready"]')
    await page.fill('#prompt', prompt)
    await page.click('#add-response')
    const boxes = await page.$$('.response')
    for (let i = 0; i < 3; i++) await boxes[i].fill(responses[i])

    // One file alone is refused with a message.
    await page.setInputFiles('#model-files', [join(dir, 'config.json')])
    assert.match((await page.textContent('#local-status')) ?? '', /choose both config.json and head.safetensors/)
    await page.setInputFiles('#model-files', [join(dir, 'config.json'), join(dir, 'head.safetensors')])
    await page.waitForSelector('body[data-local-model="ready"]')
    assert.match(
      (await page.textContent('#local-status')) ?? '',
      /loaded config.json \+ head.safetensors: 3 attribute\(s\), 4096 features/,
    )
    await page.click('#score-local')
    await page.waitForSelector('#results-local .result:nth-child(4)')
    const ref = await serverScores()
    for (const s of await shown('#results-local')) {
      assert.ok(Math.abs(s.values.__reward__ - ref.rewards[s.index]) < 1e-4)
    }
    // The server panel was never filled: these numbers came from the page alone.
    assert.equal(await page.$$eval('#results-server .result', (c) => c.length), 0)
    assert.deepEqual(otherOrigins, [])
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

/**
 * Serves `served`, opens its page, and scores the prompt with the first two responses on the server,
 * then with the model the page loads from the server: both result panels as shown.
 */
async function scoreBothWays(served: FastifyInstance): Promise<{ base: string; server: Shown[]; local: Shown[] }> {
  await served.listen({ host: '127.0.0.1', port: 0 })
  const addr = served.server.address()
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
  await page.goto(base)
  await page.waitForSelector('body[data-card="ready"]')
  await page.fill('#prompt', prompt)
  const boxes = await page.$$('.response')
  for (let i = 0; i < 2; i++) await boxes[i].fill(responses[i])
  await page.click('#score-server')
  await page.waitForSelector('#results-server .result:nth-child(3)')
  await page.click('#load-server-model')
  await page.waitForSelector('body[data-local-model="ready"]')
  await page.click('#score-local')
  await page.waitForSelector('#results-local .result:nth-child(3)')
  return { base, server: await shown('#results-server'), local: await shown('#results-local') }
}

test('an MLP head scores the same in the browser as on the server', { skip }, async () => {
  const mlp = buildServer(hashingModel({ head: 'mlp', dim: 1024, seed: 11 }))
  try {
    const { server, local } = await scoreBothWays(mlp)
    assert.match((await page.textContent('#model-summary')) ?? '', /mlp head/)
    assert.equal(local.length, 2)
    for (const s of server) {
      const l = local.find((x) => x.index === s.index) as Shown
      for (const [name, v] of Object.entries(s.values))
        assert.ok(Math.abs(l.values[name] - v) < 1e-4, `${name}: ${l.values[name]} vs ${v}`)
    }
  } finally {
    await mlp.close()
  }
})

test('a gating merge weighs each prompt the same in the browser as on the server', { skip }, async () => {
  const gated = buildServer(hashingModel({ merge: 'gating', dim: 1024, seed: 5 }))
  try {
    // The page loads config.json + head.safetensors, whose merge.* tensors hold the gate.
    const { base, server, local } = await scoreBothWays(gated)
    assert.equal(local.length, 2)
    const ref = (
      await (
        await fetch(`${base}/v1/score`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ items: responses.slice(0, 2).map((response) => ({ prompt, response })) }),
        })
      ).json()
    ).rewards as number[]
    for (const s of server) {
      const l = local.find((x) => x.index === s.index) as Shown
      assert.ok(Math.abs(l.values.__reward__ - ref[s.index]) < 1e-4, `${l.values.__reward__} vs ${ref[s.index]}`)
      assert.ok(Math.abs(s.values.__reward__ - ref[s.index]) < 1e-4)
      // Not the fixed merge's Σ w·score (weights 0.6, 0.4, -0.1): the gate's weights were used.
      const fixed = 0.6 * s.values.helpfulness + 0.4 * s.values.coherence - 0.1 * s.values.verbosity
      assert.ok(Math.abs(fixed - ref[s.index]) > 1e-3, `reward ${ref[s.index]} equals the fixed merge's`)
    }
  } finally {
    await gated.close()
  }
})
