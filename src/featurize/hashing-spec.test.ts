/**
 * The hashing featurizer as documented (README, "The hashing featurizer, exactly", and the
 * featurizerRules block of config.json), reimplemented here from that text alone: a byte-oriented
 * MurmurHash3 over UTF-16LE bytes, the tokenization rule, the n-gram and column rules and the
 * interaction formulas. If the featurizer and its documentation drift apart, this test fails.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  DOCUMENTED_SEEDS,
  type HashingReferenceSpec,
  murmur3Bytes,
  referenceVector,
} from '../../test/helpers/hashing-reference.ts'
import { createHashingFeaturizer, type HashingOptions } from './hashing.ts'
import { hashingRules } from './hashing-rules.ts'

const PAIRS = [
  { prompt: 'Where is my order?', response: 'Track it under Orders, then Tracking. Your order ships today!' },
  { prompt: 'Ärger im Café — 3 mal!', response: 'ＦＵＬＬＷＩＤＴＨ text, ﬁ ligature, naïve café, emoji 😀 ok 😀' },
  { prompt: '', response: 'a I an it at to be or no no no no' },
  { prompt: 'नमस्ते दुनिया', response: 'ขอบคุณ ครับ 東京 タワー' },
]

describe('the hashing featurizer follows its documented rules', () => {
  const configs: HashingOptions[] = [
    {},
    {
      dim: 512,
      promptShare: 0.4,
      wordNgrams: 3,
      charNgramMin: 2,
      charNgramMax: 4,
      charWeight: 0.5,
      interactionWeight: 2,
    },
    { dim: 300, sublinearTf: false, interactions: false, promptShare: 0 },
  ]
  for (const options of configs) {
    it(`reproduces the vectors for ${JSON.stringify(options)}`, async () => {
      const f = createHashingFeaturizer(options)
      const x = await f.featurize(PAIRS)
      const spec = f.spec as unknown as HashingReferenceSpec
      PAIRS.forEach((p, i) => {
        const ref = referenceVector(p.prompt, p.response, spec)
        let worst = 0
        for (let j = 0; j < spec.dim; j++) worst = Math.max(worst, Math.abs(x[i * spec.dim + j] - ref[j]))
        assert.ok(worst < 1e-6, `pair ${i}: max abs difference ${worst}`)
        assert.ok(ref.some((v) => v !== 0))
      })
    })
  }

  it('config.json states the seeds and layout the reference uses', () => {
    const rules = hashingRules(createHashingFeaturizer({ dim: 1024 }).spec)
    assert.deepEqual(rules.seeds, DOCUMENTED_SEEDS)
    assert.deepEqual(rules.layout, {
      promptBlock: [0, 253],
      responseBlock: [253, 1011],
      interactionBlock: [1011, 1024],
    })
  })

  it('documents the hash with a known test vector (Python: mmh3.hash(s.encode("utf-16-le"), seed, signed=False))', () => {
    // Independent check of the byte-oriented reference itself: MurmurHash3_x86_32('', 0) = 0 and
    // the widely published vector for the ASCII bytes of 'hello' with seed 0.
    assert.equal(murmur3Bytes(Buffer.alloc(0), 0), 0)
    assert.equal(murmur3Bytes(Buffer.from('hello', 'latin1'), 0), 0x248bfa47)
  })
})
