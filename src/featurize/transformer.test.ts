import assert from 'node:assert/strict'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import * as ort from 'onnxruntime-node'
import { OptionError, RewardfitError } from '../errors.ts'
import type { TextPair } from './featurizer.ts'
import { createTransformerFeaturizer, type TransformerProgress } from './transformer.ts'

const MODELS = new URL('../../test/fixtures/models/', import.meta.url).pathname
const BERT = join(MODELS, 'tiny-bert')
const LLAMA = join(MODELS, 'tiny-llama')

/** The tiny Llama fixture's decoder rows (max 256 tokens, template 'auto'). */
async function llamaRows() {
  const { AutoTokenizer } = await import('@huggingface/transformers')
  const { createDecoderRows } = await import('./transformer-inputs.ts')
  return createDecoderRows(
    (await AutoTokenizer.from_pretrained(LLAMA, { local_files_only: true })) as never,
    256,
    'auto',
  )
}

interface Ref extends TextPair {
  input_ids: number[]
  token_type_ids?: number[]
  mean?: number[]
  cls?: number[]
  mean_layer1?: number[]
  last?: number[]
  last_layer1?: number[]
}
const reference = JSON.parse(await readFile(join(MODELS, 'reference.json'), 'utf8')) as { bert: Ref[]; llama: Ref[] }

const row = (v: Float32Array, i: number, dim: number) => Array.from(v.subarray(i * dim, (i + 1) * dim))
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  assert.equal(a.length, b.length)
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}

const temps: string[] = []
after(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true })
})
async function copyModel(src: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rewardfit-model-'))
  temps.push(dir)
  await cp(src, dir, { recursive: true })
  return dir
}

// Words the fixture vocabularies know, so each word is exactly one token.
const WORDS = 'one two three four five six seven eight nine ten alpha beta gamma delta epsilon'.split(' ')
const words = (n: number, from = 0) => Array.from({ length: n }, (_, i) => WORDS[(from + i) % WORDS.length]).join(' ')
const MIXED: TextPair[] = [
  { prompt: words(12), response: words(3, 4) },
  { prompt: 'red', response: 'blue' },
  { prompt: words(5, 2), response: words(14, 1) },
  ...reference.bert.map((r) => ({ prompt: r.prompt, response: r.response })),
]

describe('transformer featurizer: torch reference', () => {
  test('tiny BERT: token ids, mean / CLS pooling and layer 1 match torch', async () => {
    for (const [pooling, key, layer] of [
      ['mean', 'mean', -1],
      ['cls', 'cls', -1],
      ['mean', 'mean_layer1', 1],
    ] as const) {
      const f = await createTransformerFeaturizer({ type: 'onnx', path: BERT, pooling, layer })
      assert.equal(f.architecture, 'encoder')
      assert.equal(f.dim, 32)
      const v = await f.featurize(reference.bert)
      reference.bert.forEach((r, i) => {
        const d = maxAbsDiff(row(v, i, 32), r[key]!)
        assert.ok(d < 1e-5, `${key} row ${i}: max abs diff ${d}`)
      })
      await f.dispose()
    }
  })

  test('tiny BERT: the TS tokenizer gives the Python reference ids and segment ids', async () => {
    const { AutoTokenizer } = await import('@huggingface/transformers')
    const { createEncoderRows } = await import('./transformer-inputs.ts')
    const tok = await AutoTokenizer.from_pretrained(BERT, { local_files_only: true })
    const rows = createEncoderRows(tok as never, 128)
    for (const r of reference.bert) {
      const got = rows(r)
      assert.deepEqual(got.ids, r.input_ids)
      assert.deepEqual(got.typeIds, r.token_type_ids)
      assert.equal(got.truncated, false)
      // And the same as transformers.js' own pair encoding.
      const direct = tok(r.prompt, { text_pair: r.response, return_tensor: false }) as unknown as {
        input_ids: number[]
      }
      assert.deepEqual(got.ids, direct.input_ids)
    }
  })

  test('tiny Llama: chat template (with and without messages), last token and layer 1 match torch', async () => {
    for (const [key, layer] of [
      ['last', -1],
      ['last_layer1', 1],
    ] as const) {
      const f = await createTransformerFeaturizer({ type: 'onnx', path: LLAMA, layer })
      assert.equal(f.architecture, 'decoder')
      assert.equal(f.render, 'chat-template')
      assert.equal(f.spec.pooling, 'last')
      const v = await f.featurize(reference.llama)
      reference.llama.forEach((r, i) => {
        const d = maxAbsDiff(row(v, i, 32), r[key]!)
        assert.ok(d < 1e-5, `${key} row ${i}: max abs diff ${d}`)
      })
      await f.dispose()
    }
    const rows = await llamaRows()
    for (const r of reference.llama) assert.deepEqual(rows(r).ids, r.input_ids)
  })
})

describe('transformer featurizer: a vector never depends on its batch', () => {
  for (const [name, path] of [
    ['BERT', BERT],
    ['Llama', LLAMA],
  ] as const) {
    test(`${name}: batch size, padding side, batch order and neighbours change nothing (< 1e-5)`, async () => {
      const single = await createTransformerFeaturizer({ type: 'onnx', path, batchSize: 1 })
      const dim = single.dim
      const alone: number[][] = []
      for (const p of MIXED) alone.push(Array.from(await single.featurize([p])))
      let worst = 0
      for (const batchSize of [3, 16]) {
        for (const paddingSide of ['left', 'right'] as const) {
          const f = await createTransformerFeaturizer({ type: 'onnx', path, batchSize }, { paddingSide })
          assert.equal(f.fingerprint, single.fingerprint, 'batchSize / padding side are not fingerprinted')
          const v = await f.featurize(MIXED)
          MIXED.forEach((_, i) => {
            worst = Math.max(worst, maxAbsDiff(row(v, i, dim), alone[i]))
          })
          // Reversed order with other neighbours.
          const rev = [...MIXED].reverse()
          const w = await f.featurize([{ prompt: words(9, 3), response: 'green' }, ...rev])
          rev.forEach((_, i) => {
            worst = Math.max(worst, maxAbsDiff(row(w, i + 1, dim), alone[MIXED.length - 1 - i]))
          })
          await f.dispose()
        }
      }
      assert.ok(worst < 1e-5, `max abs diff ${worst}`)
      await single.dispose()
    })
  }

  test('length bucketing: vectors bit-identical to unsorted runs and to one row at a time', async () => {
    const ragged: TextPair[] = Array.from({ length: 20 }, (_, i) => ({
      prompt: words(((i * 7) % 23) + 1, i),
      response: words(((i * 5) % 17) + 1, i + 3),
    }))
    for (const path of [BERT, LLAMA]) {
      const one = await createTransformerFeaturizer({ type: 'onnx', path, batchSize: 1 })
      const alone = await one.featurize(ragged)
      for (const batchSize of [3, 16]) {
        const sorted = await createTransformerFeaturizer({ type: 'onnx', path, batchSize })
        const unsorted = await createTransformerFeaturizer({ type: 'onnx', path, batchSize, sortByLength: false })
        assert.equal(unsorted.fingerprint, sorted.fingerprint, 'sortByLength is not fingerprinted')
        const a = await sorted.featurize(ragged)
        assert.deepEqual(a, await unsorted.featurize(ragged), `${path} batch ${batchSize}: sorted = unsorted`)
        assert.deepEqual(a, alone, `${path} batch ${batchSize}: sorted = one at a time`)
        await sorted.dispose()
        await unsorted.dispose()
      }
      await one.dispose()
    }
  })

  test('long rows go fewer per run (batchSize x 128 tokens): vectors unchanged', async () => {
    // ~200-token rows: 16 of them exceed the 2,048-token budget of batchSize 16, so runs hold 10.
    const long: TextPair[] = Array.from({ length: 24 }, (_, i) => ({
      prompt: words(150 + (i % 5) * 8, i),
      response: words(30 + (i % 3) * 5, i + 2),
    }))
    const one = await createTransformerFeaturizer({ type: 'onnx', path: LLAMA, batchSize: 1 })
    const f = await createTransformerFeaturizer({ type: 'onnx', path: LLAMA, batchSize: 16 })
    assert.deepEqual(await f.featurize(long), await one.featurize(long))
    await Promise.all([one.dispose(), f.dispose()])
  })

  test('Llama: the last REAL token is pooled, never a pad (and a pad position would differ)', async () => {
    // Run the graph directly on a right-padded batch: the short row's last column is a pad.
    const rows = await llamaRows()
    const short = { prompt: 'red', response: 'blue' }
    const long = { prompt: words(10), response: words(6) }
    const [a, b] = [rows(short).ids, rows(long).ids]
    const t = b.length
    assert.ok(a.length < t - 3)
    const ids = new BigInt64Array(2 * t)
    const mask = new BigInt64Array(2 * t)
    const pos = new BigInt64Array(2 * t).fill(1n)
    for (const [r, seq] of [a, b].entries()) {
      seq.forEach((id, j) => {
        ids[r * t + j] = BigInt(id)
        mask[r * t + j] = 1n
        pos[r * t + j] = BigInt(j)
      })
    }
    const session = await ort.InferenceSession.create(join(LLAMA, 'onnx/model.onnx'))
    const out = await session.run({
      input_ids: new ort.Tensor('int64', ids, [2, t]),
      attention_mask: new ort.Tensor('int64', mask, [2, t]),
      position_ids: new ort.Tensor('int64', pos, [2, t]),
    })
    const h = out.last_hidden_state.data as Float32Array
    const at = (j: number) => Array.from(h.subarray(j * 32, (j + 1) * 32)) // row 0, position j
    const f = await createTransformerFeaturizer({ type: 'onnx', path: LLAMA }, { paddingSide: 'right' })
    const v = await f.featurize([short, long])
    assert.ok(maxAbsDiff(row(v, 0, 32), at(a.length - 1)) < 1e-5, 'featurizer = hidden state at the last real token')
    assert.ok(maxAbsDiff(at(t - 1), at(a.length - 1)) > 1e-2, 'the pad position holds a different vector')
    assert.ok(maxAbsDiff(row(v, 0, 32), at(t - 1)) > 1e-2)
    await f.dispose()
    await session.release()
  })
})

describe('transformer featurizer: truncation keeps the response and cuts the prompt from the left', () => {
  test('BERT: [CLS] last prompt tokens [SEP] response [SEP], counted and reported', async () => {
    const events: TransformerProgress[] = []
    const f = await createTransformerFeaturizer(
      { type: 'onnx', path: BERT, maxLength: 12 },
      { onProgress: (e) => events.push(e) },
    )
    const full = await createTransformerFeaturizer({ type: 'onnx', path: BERT, maxLength: 128 })
    const pairs = [
      { prompt: words(10), response: words(4, 10) }, // 10 + 4 + 3 = 17 > 12: keeps the last 5 prompt words
      { prompt: 'red', response: 'blue' },
      { prompt: words(3), response: words(11, 3) }, // 11 + 3 = 14 > 12: prompt gone, response keeps its last 9
    ]
    const v = await f.featurize(pairs)
    assert.equal(f.truncatedRows, 2)
    assert.deepEqual(events, [{ phase: 'truncated', rows: 2, batchRows: 3, totalTruncatedRows: 2 }])
    // Cutting tokens equals featurizing the pair whose prompt lost its first words (one token per word).
    const expected = await full.featurize([
      { prompt: words(5, 5), response: words(4, 10) },
      { prompt: 'red', response: 'blue' },
      { prompt: '', response: words(9, 5) },
    ])
    assert.ok(maxAbsDiff(v, expected) < 1e-5)
    assert.equal(full.truncatedRows, 0)
    assert.notEqual(f.fingerprint, full.fingerprint, 'maxLength is fingerprinted')
    await f.dispose()
    await full.dispose()
  })

  test('Llama: the template head and the whole response stay, the prompt loses its first words', async () => {
    const { AutoTokenizer } = await import('@huggingface/transformers')
    const { createDecoderRows } = await import('./transformer-inputs.ts')
    const tok = await AutoTokenizer.from_pretrained(LLAMA, { local_files_only: true })
    const untruncated = createDecoderRows(tok as never, 256, 'auto')
    const pair = { prompt: words(14), response: words(5, 3) }
    const n = untruncated(pair).ids.length // <s> <|user|> 14 <|end|> <|assistant|> 5 <|end|> = 24
    assert.equal(n, 24)
    const cut = createDecoderRows(tok as never, 16, 'auto')(pair)
    assert.equal(cut.truncated, true)
    assert.deepEqual(cut.ids, untruncated({ prompt: words(6, 8), response: words(5, 3) }).ids)
    const f = await createTransformerFeaturizer({ type: 'onnx', path: LLAMA, maxLength: 16 })
    const g = await createTransformerFeaturizer({ type: 'onnx', path: LLAMA })
    const v = await f.featurize([pair, { prompt: 'red', response: 'blue' }])
    const w = await g.featurize([
      { prompt: words(6, 8), response: words(5, 3) },
      { prompt: 'red', response: 'blue' },
    ])
    assert.ok(maxAbsDiff(v, w) < 1e-5)
    assert.equal(f.truncatedRows, 1)
    await f.dispose()
    await g.dispose()
  })
})

describe('transformer featurizer: fingerprint, fallback and errors', () => {
  test('fingerprint: stable across copies, changes with a model file or an option', async () => {
    const dir = await copyModel(BERT)
    const base = (await createTransformerFeaturizer({ type: 'onnx', path: BERT })).fingerprint
    const copy = await createTransformerFeaturizer({ type: 'onnx', path: dir })
    assert.equal(copy.fingerprint, base, 'same files elsewhere: same fingerprint')
    assert.match(base, /^transformer-1:[0-9a-f]{64}$/)
    // The spec written to config.json (auto options resolved) reloads to the same fingerprint.
    const saved = JSON.parse(JSON.stringify(copy.spec))
    assert.equal(saved.pooling, 'mean')
    assert.equal(saved.architecture, 'encoder')
    assert.equal((await createTransformerFeaturizer(saved)).fingerprint, base)
    const seen = new Set([base])
    for (const spec of [{ pooling: 'cls' as const }, { layer: 1 }, { maxLength: 64 }]) {
      seen.add((await createTransformerFeaturizer({ type: 'onnx', path: dir, ...spec })).fingerprint)
    }
    assert.equal(seen.size, 4)
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'))
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ...config, note: 'edited' }))
    const edited = (await createTransformerFeaturizer({ type: 'onnx', path: dir })).fingerprint
    assert.ok(!seen.has(edited), 'config.json edit changes the fingerprint')
    const onnx = await readFile(join(dir, 'onnx/model.onnx'))
    onnx[onnx.length >> 1] ^= 1 // one bit of a weight: initializers fill the middle of the file
    await writeFile(join(dir, 'onnx/model.onnx'), onnx)
    const flipped = await createTransformerFeaturizer({ type: 'onnx', path: dir })
    assert.ok(flipped.fingerprint !== edited && !seen.has(flipped.fingerprint), 'an onnx byte changes the fingerprint')
    await copy.dispose()
    await flipped.dispose()
  })

  test('decoder without a chat template: plain "prompt\\n\\nresponse" with BOS, and says so', async () => {
    const dir = await copyModel(LLAMA)
    const cfgPath = join(dir, 'tokenizer_config.json')
    const { chat_template: _, ...cfg } = JSON.parse(await readFile(cfgPath, 'utf8'))
    await writeFile(cfgPath, JSON.stringify(cfg))
    const events: TransformerProgress[] = []
    const f = await createTransformerFeaturizer({ type: 'onnx', path: dir }, { onProgress: (e) => events.push(e) })
    assert.equal(f.render, 'plain')
    assert.equal(events.length, 1)
    assert.match(JSON.stringify(events[0]), /"phase":"warning".*no chat template/)
    const { AutoTokenizer } = await import('@huggingface/transformers')
    const tok = await AutoTokenizer.from_pretrained(dir, { local_files_only: true })
    const { createDecoderRows } = await import('./transformer-inputs.ts')
    const ids = createDecoderRows(tok as never, 256, 'auto')({ prompt: 'red green', response: 'blue' }).ids
    assert.deepEqual(ids, tok.encode('red green\n\nblue'))
    assert.equal(ids[0], tok.encode('')[0], 'starts with <s>')
    // Plain truncation keeps BOS and the response.
    const cut = createDecoderRows(tok as never, 5, 'auto')({ prompt: words(8), response: 'blue' }).ids
    assert.deepEqual(cut, tok.encode(`${words(3, 5)}\n\nblue`))
    await f.dispose()
  })

  test('bad options and folders fail with errors that say what to do', async () => {
    await assert.rejects(createTransformerFeaturizer({ type: 'onnx', path: BERT, layer: 7 }), (e: unknown) => {
      assert.ok(e instanceof OptionError)
      assert.match(e.message, /layer.*\[-3, 2\]/)
      return true
    })
    await assert.rejects(
      createTransformerFeaturizer({ type: 'onnx', path: BERT, pooling: 'max' as never }),
      OptionError,
    )
    await assert.rejects(createTransformerFeaturizer({ type: 'onnx', path: BERT, maxLength: 2 }), OptionError)
    await assert.rejects(createTransformerFeaturizer({ type: 'hf', model: 'no-slash' }), OptionError)
    await assert.rejects(createTransformerFeaturizer({ type: 'onnx', path: join(MODELS, 'nope') }), (e: unknown) => {
      assert.ok(e instanceof RewardfitError)
      assert.match(e.message, /does not exist.*huggingface-cli download/)
      return true
    })
    await assert.rejects(createTransformerFeaturizer({ type: 'onnx', path: MODELS }), /lacks config\.json.*optimum-cli/)
    const broken = await copyModel(BERT)
    await writeFile(join(broken, 'onnx/model.onnx'), 'not a graph')
    await assert.rejects(
      createTransformerFeaturizer({ type: 'onnx', path: broken }),
      /onnxruntime cannot load .*model\.onnx/,
    )
  })

  test('an empty batch gives an empty matrix', async () => {
    const f = await createTransformerFeaturizer({ type: 'onnx', path: BERT })
    assert.equal((await f.featurize([])).length, 0)
    await f.dispose()
  })
})

describe('transformer featurizer: int8 quantization', () => {
  const cosines = (a: Float32Array, b: Float32Array, dim: number) =>
    Array.from({ length: a.length / dim }, (_, i) => {
      let dot = 0
      let na = 0
      let nb = 0
      for (let j = i * dim; j < (i + 1) * dim; j++) {
        dot += a[j] * b[j]
        na += a[j] * a[j]
        nb += b[j] * b[j]
      }
      return dot / Math.sqrt(na * nb)
    })

  test('every vector stays within cosine 0.99 of fp32; deterministic; fingerprinted', async () => {
    for (const path of [BERT, LLAMA]) {
      const fp32 = await createTransformerFeaturizer({ type: 'onnx', path })
      const int8 = await createTransformerFeaturizer({ type: 'onnx', path, quantize: 'int8' })
      assert.equal(int8.weights, 'int8-rewardfit')
      assert.equal(fp32.weights, 'fp32')
      assert.notEqual(int8.fingerprint, fp32.fingerprint)
      const a = await fp32.featurize(MIXED)
      const b = await int8.featurize(MIXED)
      assert.notDeepEqual(a, b, 'the int8 graph really runs')
      const worst = Math.min(...cosines(a, b, fp32.dim))
      assert.ok(worst >= 0.99, `${path}: worst cosine ${worst}`)
      assert.deepEqual(await int8.featurize(MIXED), b, 'same input, same int8 vectors')
      // Activations are quantized with one scale per run, so rows run alone: a vector never depends on its batch.
      const reversed = await int8.featurize([...MIXED].reverse())
      MIXED.forEach((_, i) => {
        const r = MIXED.length - 1 - i
        assert.deepEqual(row(reversed, r, int8.dim), row(b, i, int8.dim))
      })
      await fp32.dispose()
      await int8.dispose()
    }
  })

  test("a folder's own onnx/model_quantized.onnx (transformers.js 'q8') is loaded instead", async () => {
    const { quantizeMatMulsInt8 } = await import('../compute/onnx-quantize.ts')
    const { concatBytes } = await import('../compute/onnx-read.ts')
    const dir = await copyModel(BERT)
    const made = await createTransformerFeaturizer({ type: 'onnx', path: dir, quantize: 'int8' })
    const { parts, matmuls } = quantizeMatMulsInt8(await readFile(join(dir, 'onnx/model.onnx')))
    assert.ok(matmuls > 0)
    await writeFile(join(dir, 'onnx/model_quantized.onnx'), concatBytes(parts))
    const shipped = await createTransformerFeaturizer({ type: 'onnx', path: dir, quantize: 'int8' })
    assert.equal(shipped.weights, 'int8-shipped')
    assert.notEqual(shipped.fingerprint, made.fingerprint, 'the shipped file is hashed instead')
    assert.deepEqual(await shipped.featurize(MIXED), await made.featurize(MIXED))
    // fp32 ignores the quantized file.
    const fp32 = await createTransformerFeaturizer({ type: 'onnx', path: dir })
    assert.equal(fp32.weights, 'fp32')
    await Promise.all([made.dispose(), shipped.dispose(), fp32.dispose()])
  })

  test('quantize takes only none or int8', async () => {
    await assert.rejects(
      createTransformerFeaturizer({ type: 'onnx', path: BERT, quantize: 'int4' as never }),
      (e: unknown) => e instanceof OptionError && /'none' or 'int8'/.test(e.message),
    )
  })
})
