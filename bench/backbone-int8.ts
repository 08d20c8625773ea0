/**
 * The int8 fidelity case of `npm run bench:backbone`: on HANNA (1,056 stories, six attributes), the tiny
 * test fixtures (tiny BERT, tiny Llama) featurize every (prompt, story) fp32 and int8; a ridge head per
 * attribute (α chosen on validation prompts) is scored on held-out prompts. Reports the cosine of each
 * int8 vector to its fp32 twin and the test Pearson of both. The fixtures' vocabularies are a few dozen
 * words, so most real words are [UNK]: features carry length and position more than meaning, and the
 * Pearson figures say how much int8 moves a downstream fit, not how good the fixtures are.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pearson } from '../src/eval/metrics.ts'
import type { TextPair } from '../src/featurize/featurizer.ts'
import { createTransformerFeaturizer } from '../src/featurize/transformer.ts'

const ATTRS = ['relevance', 'coherence', 'empathy', 'surprise', 'engagement', 'complexity'] as const
const FIXTURES = new URL('../test/fixtures/models/', import.meta.url).pathname

/** Ridge on standardized features with an intercept: (XᵀX + αI) w = Xᵀy, solved by Gaussian elimination. */
function ridge(x: Float64Array[], y: number[], alpha: number): (v: Float64Array) => number {
  const d = x[0].length
  const ym = y.reduce((a, b) => a + b, 0) / y.length
  const a = Array.from({ length: d }, () => new Float64Array(d + 1))
  x.forEach((r, n) => {
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) a[i][j] += r[i] * r[j]
      a[i][d] += r[i] * (y[n] - ym)
    }
  })
  for (let i = 0; i < d; i++) a[i][i] += alpha
  for (let c = 0; c < d; c++) {
    for (let r = c + 1; r < d; r++) {
      const f = a[r][c] / a[c][c]
      for (let k = c; k <= d; k++) a[r][k] -= f * a[c][k]
    }
  }
  const w = new Float64Array(d)
  for (let i = d - 1; i >= 0; i--) {
    let s = a[i][d]
    for (let j = i + 1; j < d; j++) s -= a[i][j] * w[j]
    w[i] = s / a[i][i]
  }
  return (v) => ym + v.reduce((s, vi, i) => s + vi * w[i], 0)
}

/** Mean test Pearson over the six attributes; splits by prompt (test: prompt % 5 = 0, validation: 1). */
function downstream(features: Float32Array, dim: number, data: Record<string, number | string>[]): number {
  const rows = data.map((_, i) => Float64Array.from(features.subarray(i * dim, (i + 1) * dim)))
  const split = data.map((r) => Number(String(r.prompt_id).slice(1)) % 5)
  const trainIdx = split.flatMap((s, i) => (s >= 2 ? [i] : []))
  // Standardize on the training rows.
  const mean = new Float64Array(dim)
  const sd = new Float64Array(dim)
  for (const i of trainIdx) for (let j = 0; j < dim; j++) mean[j] += rows[i][j] / trainIdx.length
  for (const i of trainIdx) for (let j = 0; j < dim; j++) sd[j] += (rows[i][j] - mean[j]) ** 2 / trainIdx.length
  const z = rows.map((r) => r.map((v, j) => (v - mean[j]) / (Math.sqrt(sd[j]) || 1)))
  const pick = (s: (k: number) => boolean) => split.flatMap((k, i) => (s(k) ? [i] : []))
  const [tr, va, te] = [pick((k) => k >= 2), pick((k) => k === 1), pick((k) => k === 0)]
  const scores = ATTRS.map((attr) => {
    const y = data.map((r) => Number(r[attr]))
    let best = { r: Number.NEGATIVE_INFINITY, alpha: 1 }
    for (const alpha of [0.01, 0.1, 1, 10, 100, 1000]) {
      const f = ridge(
        tr.map((i) => z[i]),
        tr.map((i) => y[i]),
        alpha,
      )
      const r = pearson(
        va.map((i) => f(z[i])),
        va.map((i) => y[i]),
      )
      if (r > best.r) best = { r, alpha }
    }
    const f = ridge(
      tr.map((i) => z[i]),
      tr.map((i) => y[i]),
      best.alpha,
    )
    return pearson(
      te.map((i) => f(z[i])),
      te.map((i) => y[i]),
    )
  })
  return scores.reduce((a, b) => a + b, 0) / scores.length
}

export async function int8Fidelity(dataDir: string): Promise<Record<string, unknown>[]> {
  const data = readFileSync(join(dataDir, 'hanna/hanna.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, number | string>)
  const pairs: TextPair[] = data.map((r) => ({ prompt: String(r.prompt), response: String(r.story) }))
  console.log(`\nint8 fidelity: HANNA, ${pairs.length} stories, tiny test fixtures (mostly [UNK] on real text)`)
  const out: Record<string, unknown>[] = []
  for (const [name, maxLength] of [
    ['tiny-bert', 128],
    ['tiny-llama', 256],
  ] as const) {
    const path = join(FIXTURES, name)
    const fp32 = await createTransformerFeaturizer({ type: 'onnx', path, maxLength })
    const int8 = await createTransformerFeaturizer({ type: 'onnx', path, maxLength, quantize: 'int8' })
    const a = await fp32.featurize(pairs)
    const b = await int8.featurize(pairs)
    const dim = fp32.dim
    const cos = pairs.map((_, i) => {
      let dot = 0
      let na = 0
      let nb = 0
      for (let j = i * dim; j < (i + 1) * dim; j++) {
        dot += a[j] * b[j]
        na += a[j] ** 2
        nb += b[j] ** 2
      }
      return dot / Math.sqrt(na * nb)
    })
    const pa = downstream(a, dim, data)
    const pb = downstream(b, dim, data)
    const minCos = Math.min(...cos)
    const meanCos = cos.reduce((s, c) => s + c, 0) / cos.length
    console.log(
      `  ${name.padEnd(11)} cosine int8 vs fp32: min ${minCos.toFixed(4)}, mean ${meanCos.toFixed(5)} (target >= 0.99); ` +
        `test Pearson (mean of 6 attributes) fp32 ${pa.toFixed(4)}, int8 ${pb.toFixed(4)}, difference ${(pb - pa).toFixed(4)} (target within 0.01)`,
    )
    out.push({
      case: 'int8-fidelity',
      model: name,
      minCosine: minCos,
      meanCosine: meanCos,
      pearsonFp32: pa,
      pearsonInt8: pb,
    })
    await fp32.dispose()
    await int8.dispose()
  }
  return out
}
