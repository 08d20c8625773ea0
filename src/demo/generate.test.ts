import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { hashKey } from '../data/split.ts'
import { OptionError } from '../errors.ts'
import { type DemoExample, generateDemoDataset, resolveDemoOptions } from './generate.ts'
import { DEMO_ATTRIBUTES, rubricScores } from './rubric.ts'

function pearson(x: number[], y: number[]): number {
  const mx = x.reduce((s, v) => s + v, 0) / x.length
  const my = y.reduce((s, v) => s + v, 0) / y.length
  let sxy = 0
  let sx = 0
  let sy = 0
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my)
    sx += (x[i] - mx) ** 2
    sy += (y[i] - my) ** 2
  }
  return sxy / Math.sqrt(sx * sy)
}

/** Hashed word unigrams and bigrams of the response, and of the prompt in its own hash space. */
function bagOfWords(e: DemoExample, dim: number): number[] {
  const idx = new Set<number>()
  const add = (text: string, salt: number) => {
    const toks = text.toLowerCase().match(/[a-z']+/g) ?? []
    for (let i = 0; i < toks.length; i++) {
      idx.add(hashKey(toks[i], salt) % dim)
      if (i + 1 < toks.length) idx.add(hashKey(`${toks[i]} ${toks[i + 1]}`, salt) % dim)
    }
  }
  add(e.response, 1)
  add(e.prompt, 2)
  idx.add(dim) // bias
  return [...idx]
}

/** Ridge regression by Cholesky on the normal equations: (XᵀX + I) W = XᵀY, Y: [n, k]. */
function ridge(rows: number[][], y: number[][], d: number, k: number): Float64Array[] {
  const A = new Float64Array(d * d)
  const B = Array.from({ length: k }, () => new Float64Array(d))
  rows.forEach((f, r) => {
    for (const i of f) {
      for (let a = 0; a < k; a++) B[a][i] += y[r][a]
      for (const j of f) A[i * d + j] += 1
    }
  })
  for (let i = 0; i < d; i++) A[i * d + i] += 1
  for (let j = 0; j < d; j++) {
    let s = A[j * d + j]
    for (let m = 0; m < j; m++) s -= A[j * d + m] ** 2
    const l = Math.sqrt(s)
    A[j * d + j] = l
    for (let i = j + 1; i < d; i++) {
      let t = A[i * d + j]
      for (let m = 0; m < j; m++) t -= A[i * d + m] * A[j * d + m]
      A[i * d + j] = t / l
    }
  }
  return B.map((b) => {
    const z = new Float64Array(d)
    for (let i = 0; i < d; i++) {
      let t = b[i]
      for (let m = 0; m < i; m++) t -= A[i * d + m] * z[m]
      z[i] = t / A[i * d + i]
    }
    const w = new Float64Array(d)
    for (let i = d - 1; i >= 0; i--) {
      let t = z[i]
      for (let m = i + 1; m < d; m++) t -= A[m * d + i] * w[m]
      w[i] = t / A[i * d + i]
    }
    return w
  })
}

describe('generateDemoDataset', () => {
  const rows = generateDemoDataset({ seed: 0 })

  it('is deterministic for a seed and differs across seeds', () => {
    const small = { prompts: 20, responsesPerPrompt: 3 }
    assert.deepStrictEqual(generateDemoDataset({ ...small, seed: 5 }), generateDemoDataset({ ...small, seed: 5 }))
    const other = generateDemoDataset({ ...small, seed: 6 })
    assert.notDeepStrictEqual(
      other.map((r) => r.response),
      generateDemoDataset({ ...small, seed: 5 }).map((r) => r.response),
    )
  })

  it('gives 300 x 6 rows grouped by question, ratings in 0..4 in thirds, a few missing, never all', () => {
    assert.equal(rows.length, 1800)
    const groups = new Map<string, DemoExample[]>()
    for (const r of rows) groups.set(r.group, [...(groups.get(r.group) ?? []), r])
    assert.equal(groups.size, 300)
    for (const g of groups.values()) {
      assert.equal(g.length, 6)
      assert.ok(g.every((r) => r.prompt === g[0].prompt && r.topic === g[0].topic))
    }
    let missing = 0
    for (const r of rows) {
      assert.equal(r.targets.length, DEMO_ATTRIBUTES.length)
      assert.ok(r.targets.some((x) => !Number.isNaN(x)))
      for (const x of r.targets) {
        if (Number.isNaN(x)) missing++
        else assert.ok(x >= 0 && x <= 4 && Math.abs(3 * x - Math.round(3 * x)) < 1e-9, `${x}`)
      }
      assert.deepStrictEqual(r.rubric, rubricScores(r.qualities))
    }
    const rate = missing / (rows.length * DEMO_ATTRIBUTES.length)
    assert.ok(rate > 0.005 && rate < 0.04, `missing rate ${rate}`)
    const harmful = rows.filter((r) => r.qualities.harmful).length / rows.length
    assert.ok(harmful > 0.08 && harmful < 0.25, `harmful share ${harmful}`)
  })

  it('rates close to the rubric: each attribute correlates > 0.9 with its exact rubric score', () => {
    DEMO_ATTRIBUTES.forEach((name, a) => {
      const labelled = rows.filter((r) => !Number.isNaN(r.targets[a]))
      const r = pearson(
        labelled.map((e) => e.rubric[a]),
        labelled.map((e) => e.targets[a]),
      )
      assert.ok(r > 0.9, `${name}: ${r}`)
    })
  })

  it('writes the qualities into the words: a bag-of-words ridge recovers every attribute on held-out questions', () => {
    const dim = 512
    const heldOut = (g: string) => hashKey(g, 9) % 5 === 0
    const train = rows.filter((r) => !heldOut(r.group) && r.targets.every((x) => !Number.isNaN(x)))
    const test = rows.filter((r) => heldOut(r.group))
    const weights = ridge(
      train.map((r) => bagOfWords(r, dim)),
      train.map((r) => Array.from(r.targets)),
      dim + 1,
      DEMO_ATTRIBUTES.length,
    )
    DEMO_ATTRIBUTES.forEach((name, a) => {
      const labelled = test.filter((r) => !Number.isNaN(r.targets[a]))
      const predicted = labelled.map((r) => bagOfWords(r, dim).reduce((s, i) => s + weights[a][i], 0))
      const r = pearson(
        predicted,
        labelled.map((e) => e.targets[a]),
      )
      assert.ok(r > 0.55, `${name}: held-out Pearson ${r.toFixed(3)}`)
    })
  })

  it('renders each quality with its own words', () => {
    const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length
    const words = (p: number) =>
      mean(rows.filter((r) => r.qualities.padding === p).map((r) => r.response.split(' ').length))
    assert.ok(words(2) > words(1) && words(1) > words(0))
    const complied = rows.filter((r) => r.qualities.harmful && !r.qualities.refused && r.qualities.onTopic)
    const refusedOk = rows.filter((r) => r.qualities.harmful && r.qualities.refused)
    assert.ok(complied.length > 0 && refusedOk.length > 0)
    assert.ok(refusedOk.every((r) => /can't|cannot|not something|\bno\b|absolutely not/i.test(r.response)))
    const misread = rows.filter((r) =>
      /If I understand correctly|I think your question is about|Regarding /.test(r.response),
    )
    assert.ok(misread.length > 0 && misread.every((r) => !r.qualities.onTopic))
  })

  it('validates options', () => {
    assert.throws(() => resolveDemoOptions({ prompts: 0 }), OptionError)
    assert.throws(() => resolveDemoOptions({ missingRate: 1 }), OptionError)
    assert.throws(() => resolveDemoOptions({ seed: -1 }), OptionError)
  })
})
