import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Rng } from '../compute/rng.ts'
import { OptionError } from '../errors.ts'
import type { TextPair } from './featurizer.ts'
import {
  createHashingFeaturizer,
  HASH_SEEDS,
  HASHING_DEFAULTS,
  type HashingOptions,
  INTERACTION_FEATURES,
  resolveHashingOptions,
} from './hashing.ts'
import { combineHashes, murmur3 } from './hashing-murmur.ts'
import { tokenizeWords } from './tokenize.ts'

const WORDS = ['the', 'cat', 'sat', 'on', 'mat', 'Über', 'naïve', 'café', '東京', 'a', 'I', '42', 'dog', 'ran']
function randomPairs(n: number, seed: number): TextPair[] {
  const rng = new Rng(seed)
  const text = (len: number) =>
    Array.from({ length: len }, () => WORDS[rng.int(WORDS.length)]).join(rng.float() < 0.5 ? ' ' : ', ')
  return Array.from({ length: n }, () => ({ prompt: text(rng.int(12)), response: text(1 + rng.int(30)) }))
}

/** Straightforward reference: count terms in maps, then hash, sign, sublinear, normalize. */
function referenceBlock(text: string, width: number, o: Required<HashingOptions>): Float64Array {
  const words = tokenizeWords(text)
  const wordTf = new Map<number, number>()
  const charTf = new Map<number, number>()
  const bump = (m: Map<number, number>, h: number) => m.set(h, (m.get(h) ?? 0) + 1)
  const hs = words.map((w) => murmur3(w, HASH_SEEDS.word))
  if (o.wordNgrams >= 1) for (const h of hs) bump(wordTf, h)
  if (o.wordNgrams >= 2)
    for (let i = 0; i + 1 < hs.length; i++) bump(wordTf, combineHashes(hs[i], hs[i + 1], HASH_SEEDS.ngram))
  for (const w of words) {
    const p = ` ${w} `
    for (let g = o.charNgramMin; g <= o.charNgramMax && o.charNgramMin > 0; g++) {
      if (p.length <= g) {
        bump(charTf, murmur3(p, HASH_SEEDS.char))
        break
      }
      for (let s = 0; s + g <= p.length; s++) bump(charTf, murmur3(p.slice(s, s + g), HASH_SEEDS.char))
    }
  }
  const project = (m: Map<number, number>) => {
    const v = new Float64Array(width)
    for (const [h, c] of m) v[(h & 0x7fffffff) % width] += (h >>> 31 ? -1 : 1) * c
    return v.map((x) => (x === 0 || !o.sublinearTf ? x : Math.sign(x) * (1 + Math.log(Math.abs(x)))))
  }
  const a = project(wordTf)
  const b = project(charTf)
  const v = a.map((x, j) => x + o.charWeight * b[j])
  const norm = Math.hypot(...v)
  return norm > 0 ? v.map((x) => x / norm) : v
}

test('hashed blocks match a term-count reference implementation', async () => {
  for (const opts of [
    {},
    { dim: 256, promptShare: 0.5, charWeight: 0.5 },
    { dim: 128, sublinearTf: false, charNgramMin: 2, charNgramMax: 3 },
    // lengths past and below the words' (the n-grams are hashed incrementally, per start position)
    { dim: 512, charNgramMin: 1, charNgramMax: 7 },
    { dim: 512, charNgramMin: 4, charNgramMax: 6 },
  ]) {
    const f = createHashingFeaturizer(opts)
    const o = resolveHashingOptions(opts)
    const pairs = [
      ...randomPairs(20, 3),
      { prompt: 'a I of İstanbul', response: '𝐀bc straße 東京 2024年 x, yz! Ärger im Café' },
      { prompt: '', response: '' },
    ]
    const x = await f.featurize(pairs)
    pairs.forEach((p, i) => {
      const row = x.subarray(i * f.dim, (i + 1) * f.dim)
      const rp = referenceBlock(p.prompt, f.promptDim, o)
      const rr = referenceBlock(p.response, f.responseDim, o)
      for (let j = 0; j < f.promptDim; j++) assert.ok(Math.abs(row[j] - rp[j]) < 1e-6, `prompt ${i}:${j}`)
      for (let j = 0; j < f.responseDim; j++)
        assert.ok(Math.abs(row[f.promptDim + j] - rr[j]) < 1e-6, `response ${i}:${j}`)
    })
  }
})

test('batch size and order never change a vector', async () => {
  const f = createHashingFeaturizer({ dim: 512 })
  const pairs = randomPairs(40, 1)
  const all = await f.featurize(pairs)
  const perm = new Rng(9).permutation(pairs.length)
  const shuffled = await f.featurize(Array.from(perm, (i) => pairs[i]))
  for (let k = 0; k < perm.length; k++)
    assert.deepEqual(
      shuffled.subarray(k * f.dim, (k + 1) * f.dim),
      all.subarray(perm[k] * f.dim, (perm[k] + 1) * f.dim),
    )
  for (let i = 0; i < pairs.length; i += 7) {
    const one = await f.featurize([pairs[i]])
    assert.deepEqual(one, all.subarray(i * f.dim, (i + 1) * f.dim))
  }
  // a fresh featurizer from the spec alone gives the same bits
  assert.deepEqual(await createHashingFeaturizer(f.spec).featurize(pairs), all)
})

test('layout: unit-norm prompt and response blocks, then the interaction block', async () => {
  const f = createHashingFeaturizer({ dim: 300, promptShare: 0.25 })
  assert.equal(f.promptDim + f.responseDim + f.interactionDim, 300)
  assert.equal(f.interactionDim, INTERACTION_FEATURES.length)
  assert.equal(f.promptDim, Math.round((300 - INTERACTION_FEATURES.length) * 0.25))
  const [x, empty] = await Promise.all([
    f.featurize([{ prompt: 'Tell me a story', response: 'Once upon a time there was a story.' }]),
    f.featurize([{ prompt: '', response: '' }]),
  ])
  const norm = (a: Float32Array) => Math.hypot(...a)
  assert.ok(Math.abs(norm(x.subarray(0, f.promptDim)) - 1) < 1e-6)
  assert.ok(Math.abs(norm(x.subarray(f.promptDim, f.promptDim + f.responseDim)) - 1) < 1e-6)
  assert.ok(
    empty.every((v) => v === 0),
    'empty texts give a zero vector, not NaN',
  )
})

test('interaction features: overlap, lengths and ratios', async () => {
  const f = createHashingFeaturizer({ dim: 128, interactionWeight: 1 })
  const prompt = 'A b c'
  const response = 'a b d d e'
  const x = await f.featurize([{ prompt, response }])
  const get = (name: (typeof INTERACTION_FEATURES)[number]) =>
    x[f.promptDim + f.responseDim + INTERACTION_FEATURES.indexOf(name)]
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-6, `${a} vs ${b}`)
  close(get('response_tokens_in_prompt'), 2 / 5) // a, b of a b d d e
  close(get('prompt_types_covered'), 2 / 3) // a, b of {a, b, c}
  close(get('type_jaccard'), 2 / 5) // {a,b} / {a,b,c,d,e}
  close(get('response_type_token_ratio'), 4 / 5)
  close(get('prompt_type_token_ratio'), 1)
  close(get('log_prompt_chars'), Math.log1p(prompt.length) / 8)
  close(get('log_token_ratio'), (Math.log1p(5) - Math.log1p(3)) / 4)
  close(get('response_repeated_bigrams'), 0) // a-b, b-d, d-d, d-e all distinct
  const rep = await f.featurize([{ prompt: 'x', response: 'go go go go' }])
  close(rep[f.promptDim + f.responseDim + INTERACTION_FEATURES.indexOf('response_repeated_bigrams')], 1 - 1 / 3)
  const w = createHashingFeaturizer({ dim: 128, interactionWeight: 2 })
  assert.equal(createHashingFeaturizer({}).spec.interactionWeight, HASHING_DEFAULTS.interactionWeight)
  const x2 = await w.featurize([{ prompt, response }])
  close(x2[127], 2 * x[127])
})

test('spec carries every resolved option; fingerprint follows the options, not key order', () => {
  const f = createHashingFeaturizer({ dim: 1024 })
  assert.deepEqual(f.spec, { type: 'hashing', ...HASHING_DEFAULTS, dim: 1024 })
  assert.match(f.fingerprint, /^[0-9a-f]{32}$/)
  const reordered = Object.fromEntries(Object.entries(f.spec).reverse()) as typeof f.spec
  assert.equal(createHashingFeaturizer(reordered).fingerprint, f.fingerprint)
  assert.notEqual(createHashingFeaturizer({ dim: 1024, charWeight: 0.5 }).fingerprint, f.fingerprint)
  assert.notEqual(createHashingFeaturizer({ dim: 1025 }).fingerprint, f.fingerprint)
})

test('bad options name the option and what is valid', () => {
  const bad: [HashingOptions & Record<string, unknown>, string][] = [
    [{ dim: 10 }, 'dim'],
    [{ dim: 100.5 }, 'dim'],
    [{ promptShare: 1 }, 'promptShare'],
    [{ wordNgrams: 4 }, 'wordNgrams'],
    [{ charNgramMin: 4, charNgramMax: 3 }, 'charNgramMax'],
    [{ charWeight: -1 }, 'charWeight'],
    [{ wordNgrams: 0, charNgramMin: 0, charNgramMax: 0 }, 'wordNgrams'],
    [{ dims: 100 }, 'dims'],
  ]
  for (const [o, name] of bad)
    assert.throws(
      () => createHashingFeaturizer(o),
      (e: unknown) => e instanceof OptionError && e.option === name,
    )
  assert.throws(() => createHashingFeaturizer({ type: 'onnx' }), OptionError)
})

test('word-only and char-only variants still give unit blocks', async () => {
  for (const o of [{ charNgramMin: 0, charNgramMax: 0 }, { wordNgrams: 0 }, { wordNgrams: 3 }]) {
    const f = createHashingFeaturizer({ dim: 256, ...o })
    const x = await f.featurize([{ prompt: 'p q', response: 'the quick brown fox' }])
    assert.ok(Math.abs(Math.hypot(...x.subarray(f.promptDim, f.promptDim + f.responseDim)) - 1) < 1e-6)
  }
})

test('the hashing featurizer bundles for a browser: no Node-only imports', async () => {
  const esbuild = await import('esbuild')
  const { fileURLToPath } = await import('node:url')
  const entry = fileURLToPath(new URL('./hashing.ts', import.meta.url))
  // platform 'browser' fails the build on any node: import; Buffer/process would be free globals.
  const out = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    logLevel: 'silent',
  })
  const code = out.outputFiles[0].text
  assert.doesNotMatch(code, /\bBuffer\b|\bprocess\.|require\(/)
  assert.match(code, /createHashingFeaturizer/)
})
