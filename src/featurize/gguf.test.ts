import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { llamaLastHiddenState } from '../../scripts/fixtures/gguf-reference.ts'
import { tinyLlama, writeTinyGguf } from '../../scripts/fixtures/make-tiny-gguf.ts'
import { RewardfitError } from '../errors.ts'
import type { Featurizer, TextPair } from './featurizer.ts'
import { createGgufFeaturizer, loadNodeLlamaCpp } from './gguf.ts'

const pairs: TextPair[] = [
  { prompt: 'What is the capital of France?', response: 'Paris.' },
  { prompt: 'hello', response: 'good answer' },
  { prompt: 'hello', response: 'bad answer' },
  { prompt: 'Is the answer good?', response: 'What a question!' },
]

let dir: string
let plainPath: string
let chatPath: string
let plain: Featurizer
let chat: Featurizer
const progress: string[] = []

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rewardfit-gguf-'))
  plainPath = await writeTinyGguf(join(dir, 'tiny.gguf'))
  chatPath = await writeTinyGguf(join(dir, 'chat.gguf'), { chatTemplate: true })
  // Tests force the CPU: vectors must not depend on whichever GPU the test machine has.
  plain = await createGgufFeaturizer(
    { type: 'gguf', path: plainPath, gpu: 'cpu', threads: 1 },
    { cacheDir: dir, onProgress: (p) => progress.push(`${p.stage}:${p.done}`) },
  )
  chat = await createGgufFeaturizer({ type: 'gguf', path: chatPath, gpu: 'cpu', threads: 1 })
})

after(async () => {
  await plain?.dispose?.()
  await chat?.dispose?.()
  await rm(dir, { recursive: true, force: true })
})

describe('gguf featurizer on a tiny random llama', () => {
  test('has the model width, a spec and a fingerprint', () => {
    assert.equal(plain.dim, 64)
    assert.deepEqual(plain.spec, {
      type: 'gguf',
      path: plainPath,
      template: 'auto',
      maxTokens: 2048,
      gpu: 'cpu',
      threads: 1,
    })
    assert.match(plain.fingerprint, /^[0-9a-f]{32}$/)
    assert.notEqual(plain.fingerprint, chat.fingerprint)
    assert.deepEqual([progress[0], progress[1], progress.at(-1)], ['hash:0', 'hash:1', 'load:1'])
  })

  test('features are finite, differ between texts and are deterministic', async () => {
    const a = await plain.featurize(pairs)
    const b = await plain.featurize(pairs)
    assert.equal(a.length, pairs.length * 64)
    assert.ok(a.every(Number.isFinite))
    assert.deepEqual(a, b)
    const row = (x: Float32Array, i: number) => Array.from(x.subarray(i * 64, (i + 1) * 64))
    for (let i = 0; i < pairs.length; i++) {
      for (let j = i + 1; j < pairs.length; j++) assert.notDeepEqual(row(a, i), row(a, j), `rows ${i} and ${j}`)
    }
  })

  test('a vector does not depend on the batch it came in', async () => {
    const all = await plain.featurize(pairs)
    const reversed = await plain.featurize([...pairs].reverse())
    for (let i = 0; i < pairs.length; i++) {
      const alone = await plain.featurize([pairs[i]])
      assert.deepEqual(alone, all.subarray(i * 64, (i + 1) * 64))
      const r = pairs.length - 1 - i
      assert.deepEqual(reversed.subarray(r * 64, (r + 1) * 64), alone)
    }
    assert.equal((await plain.featurize([])).length, 0)
  })

  test('parallel contexts give the same vectors as one pair at a time, bit for bit', async () => {
    const many = [...pairs, ...pairs.map((p) => ({ prompt: p.response, response: p.prompt })), ...pairs].slice(0, 10)
    const sequential = await plain.featurize(many)
    for (const [parallel, threads] of [
      [3, 3],
      [2, 1],
    ]) {
      const f = await createGgufFeaturizer({ type: 'gguf', path: plainPath, gpu: 'cpu', threads, parallel })
      try {
        assert.equal(f.fingerprint, plain.fingerprint, 'parallel and threads are not fingerprinted')
        assert.equal(f.spec.parallel, parallel)
        // Exact equality: each pair runs alone in a cleared context; ggml's CPU kernels split output
        // rows between threads without changing any sum's order, so neither the context nor the
        // thread count moves a bit (node-llama-cpp offers no tolerance setting; none is needed).
        assert.deepEqual(await f.featurize(many), sequential)
      } finally {
        await f.dispose?.()
      }
    }
  })

  test('is the last token hidden state after the output norm (checked against a TS forward pass)', async () => {
    const nlc = await loadNodeLlamaCpp()
    const llama = await nlc.getLlama({ gpu: false, build: 'never', logLevel: nlc.LlamaLogLevel.error })
    const model = await llama.loadModel({ modelPath: plainPath, gpuLayers: 0 })
    try {
      const ref = tinyLlama()
      for (const pair of pairs.slice(0, 2)) {
        const ids = [model.tokens.bos!, ...model.tokenize(`${pair.prompt}\n\n${pair.response}`)].map(Number)
        const expected = llamaLastHiddenState(ref, ids)
        const got = await plain.featurize([pair])
        let maxDiff = 0
        for (let k = 0; k < 64; k++) maxDiff = Math.max(maxDiff, Math.abs(got[k] - expected[k]))
        assert.ok(maxDiff < 1e-3, `max |llama.cpp - reference| = ${maxDiff}`)
      }
    } finally {
      await model.dispose()
    }
  })

  test("renders with the model's chat template when it has one", async () => {
    const auto = await chat.featurize(pairs.slice(0, 1))
    const asPlain = await createGgufFeaturizer({ type: 'gguf', path: chatPath, gpu: 'cpu', template: 'plain' })
    try {
      const p = await asPlain.featurize(pairs.slice(0, 1))
      assert.notDeepEqual(Array.from(auto), Array.from(p))
      assert.notEqual(asPlain.fingerprint, chat.fingerprint)
      // The plain file and the chat file share their weights (same seed), so plain rendering agrees.
      assert.deepEqual(p, await plain.featurize(pairs.slice(0, 1)))
    } finally {
      await asPlain.dispose?.()
    }
    // x given as chat turns: a system turn changes the rendering, hence the vector.
    const withSystem = await chat.featurize([
      {
        ...pairs[0],
        messages: [
          { role: 'system', content: 'Be good.' },
          { role: 'user', content: pairs[0].prompt },
        ],
      },
    ])
    const userOnly = await chat.featurize([{ ...pairs[0], messages: [{ role: 'user', content: pairs[0].prompt }] }])
    assert.deepEqual(userOnly, auto)
    assert.notDeepEqual(Array.from(withSystem), Array.from(auto))
  })

  test('long inputs keep their last tokens (and fit the context)', async () => {
    const short = await createGgufFeaturizer({ type: 'gguf', path: plainPath, gpu: 'cpu', maxTokens: 16 })
    try {
      assert.notEqual(short.fingerprint, plain.fingerprint)
      const response = 'Paris is the capital. The answer is good. '.repeat(4)
      const long = { prompt: 'hello '.repeat(200), response }
      const other = { prompt: 'what '.repeat(300), response }
      const [a, b] = [await short.featurize([long]), await short.featurize([other])]
      // Both keep BOS + the same last 15 tokens, so the prompts' differing heads no longer matter.
      assert.deepEqual(a, b)
      // Longer than the tiny model's 512-token training context: capped there instead of failing.
      assert.ok((await plain.featurize([{ prompt: 'what '.repeat(700), response }])).every(Number.isFinite))
    } finally {
      await short.dispose?.()
    }
  })

  test('the fingerprint follows the file contents', async () => {
    const copy = join(dir, 'copy.gguf')
    await writeTinyGguf(copy)
    const other = join(dir, 'other.gguf')
    await writeTinyGguf(other, { seed: 99 })
    const [fc, fo] = [
      await createGgufFeaturizer({ type: 'gguf', path: copy, gpu: 'cpu' }),
      await createGgufFeaturizer({ type: 'gguf', path: other, gpu: 'cpu' }),
    ]
    try {
      // Same bytes, same options → same fingerprint, whatever the path or threads.
      const f2 = await createGgufFeaturizer({ type: 'gguf', path: plainPath, gpu: 'cpu', threads: 2 })
      assert.equal(f2.fingerprint, plain.fingerprint)
      await f2.dispose?.()
      assert.equal(fc.fingerprint, plain.fingerprint)
      assert.notEqual(fo.fingerprint, plain.fingerprint)
    } finally {
      await fc.dispose?.()
      await fo.dispose?.()
    }
  })
})

describe('gguf featurizer errors', () => {
  test('missing node-llama-cpp says how to install it', async () => {
    const fail = () => Promise.reject(new Error("Cannot find package 'node-llama-cpp'"))
    await assert.rejects(loadNodeLlamaCpp(fail), (e: Error) => {
      assert.ok(e instanceof RewardfitError)
      assert.match(e.message, /npm install --save-exact node-llama-cpp@3\.21\.1/)
      return true
    })
    await assert.rejects(
      createGgufFeaturizer({ type: 'gguf', path: plainPath }, { importNodeLlamaCpp: fail }),
      /node-llama-cpp@3\.21\.1/,
    )
  })

  test('a missing file, a non-GGUF file and bad options are clear errors', async () => {
    await assert.rejects(
      createGgufFeaturizer({ type: 'gguf', path: join(dir, 'nope.gguf') }),
      /not found: .*nope\.gguf/,
    )
    const bad = join(dir, 'bad.gguf')
    await writeFile(bad, 'PK\u0003\u0004 not a gguf')
    await assert.rejects(createGgufFeaturizer({ type: 'gguf', path: bad }), /is not a GGUF file/)
    await assert.rejects(createGgufFeaturizer({ type: 'gguf' }), /invalid path/)
    await assert.rejects(createGgufFeaturizer({ type: 'gguf', path: plainPath, maxTokens: 2 }), /invalid maxTokens/)
    await assert.rejects(createGgufFeaturizer({ type: 'gguf', path: plainPath, gpu: 'cuda' }), /invalid gpu/)
  })
})
