/**
 * A model folder used outside rewardfit: only config.json, head.safetensors and the documented
 * rules (no rewardfit code) rebuild the scores `rewardfit score` prints. The featurizer comes from
 * test/helpers/hashing-reference.ts, the safetensors file is parsed by hand, the MLP runs with the
 * activation config.json names (torch's exact-erf GELU), and outputs are unstandardized as
 * config.json says.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { DOCUMENTED_SEEDS, type HashingReferenceSpec, referenceVector } from '../helpers/hashing-reference.ts'
import { runCli } from '../helpers/run-cli.ts'

const run = runCli

/** safetensors: 8-byte little-endian header length, a JSON header, then raw little-endian tensors. */
function readSafetensors(bytes: Buffer): Record<string, { shape: number[]; data: Float32Array }> {
  const n = Number(bytes.readBigUInt64LE(0))
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'))
  const out: Record<string, { shape: number[]; data: Float32Array }> = {}
  for (const [name, t] of Object.entries(header) as [
    string,
    { dtype: string; shape: number[]; data_offsets: number[] },
  ][]) {
    if (name === '__metadata__') continue
    assert.equal(t.dtype, 'F32')
    const raw = bytes.subarray(8 + n + t.data_offsets[0], 8 + n + t.data_offsets[1])
    out[name] = {
      shape: t.shape,
      data: new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)),
    }
  }
  return out
}

/** erf by its Maclaurin series (|x| < 3) or continued fraction tail: ~1e-12 here, independent of rewardfit. */
function erf(x: number): number {
  const a = Math.abs(x)
  if (a < 3) {
    let sum = 0
    let term = a
    for (let k = 0; k < 80; k++) {
      sum += term / (2 * k + 1)
      term *= (-a * a) / (k + 1)
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum
  }
  let f = 0
  for (let k = 60; k >= 1; k--) f = k / 2 / (a + f)
  return Math.sign(x) * (1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + f))
}
const ACTIVATIONS: Record<string, (x: number) => number> = {
  "torch.nn.GELU(approximate='none')": (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  'torch.nn.ReLU()': (x) => Math.max(0, x),
}

function linear(x: Float64Array, w: { shape: number[]; data: Float32Array }, b: { data: Float32Array }): Float64Array {
  const [out, inp] = w.shape
  const y = new Float64Array(out)
  for (let o = 0; o < out; o++) {
    let s = b.data[o]
    for (let i = 0; i < inp; i++) s += w.data[o * inp + i] * x[i]
    y[o] = s
  }
  return y
}

interface Config {
  attributes: string[]
  attributeWeights: number[]
  targetStats: { mean: number; std: number }[]
  head: { type: string; hidden?: number[] }
  featurizer: HashingReferenceSpec & { type: string }
  outputs: { standardized: boolean; unstandardize: string }
  headModule: { activation: string | null }
  featurizerRules: { seeds: typeof DOCUMENTED_SEEDS; version: string }
}

function scoreOutside(config: Config, tensors: ReturnType<typeof readSafetensors>, prompt: string, response: string) {
  let y: Float64Array = referenceVector(prompt, response, config.featurizer)
  if (config.head.type === 'linear') y = linear(y, tensors['linear.weight'], tensors['linear.bias'])
  else {
    const act = ACTIVATIONS[config.headModule.activation as string]
    const layers = (config.head.hidden as number[]).length + 1
    for (let l = 0; l < layers; l++) {
      y = linear(y, tensors[`layers.${l}.weight`], tensors[`layers.${l}.bias`])
      if (l < layers - 1) y = y.map(act)
    }
  }
  const scores = Array.from(y, (v, a) => config.targetStats[a].mean + config.targetStats[a].std * v)
  return { scores, reward: scores.reduce((s, v, a) => s + config.attributeWeights[a] * v, 0) }
}

describe('a model folder read without rewardfit', () => {
  let dir = ''
  const path = (name: string) => join(dir, name)
  const rows = Array.from({ length: 48 }, (_, i) => ({
    prompt: `Where is my order number ${i % 6}? Ärger!`,
    response: `${['Track it', 'Sorry', 'We ship'][i % 3]} under Orders ${'please '.repeat(i % 4)}😀`,
    help: i % 5,
    tone: (i * 3) % 5,
  }))

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rf-portable-'))
    await writeFile(path('d.jsonl'), `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`)
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  for (const head of [
    ['--head', 'ridge'],
    ['--head', 'mlp', '--hidden', '8', '--activation', 'gelu', '--epochs', '3'],
  ]) {
    it(`rebuilds the scores of a hashing + ${head[1]} model from config.json and head.safetensors`, async () => {
      const out = path(`m-${head[1]}`)
      const t = run([
        'train',
        '--data',
        path('d.jsonl'),
        '--targets',
        'help,tone',
        '--weights',
        'help=0.7,tone=0.3',
        '--dim',
        '256',
        ...head,
        '--out',
        out,
        '--quiet',
      ])
      assert.equal(t.code, 0, t.stderr)
      const config: Config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'))
      assert.equal(config.outputs.standardized, true)
      assert.deepEqual(config.featurizerRules.seeds, DOCUMENTED_SEEDS)
      if (head[1] === 'mlp') assert.equal(config.headModule.activation, "torch.nn.GELU(approximate='none')")
      const tensors = readSafetensors(await readFile(join(out, 'head.safetensors')))
      const s = run(['score', '--model', out, '--data', path('d.jsonl')])
      assert.equal(s.code, 0, s.stderr)
      const scored = s.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
      scored.forEach((r, i) => {
        const mine = scoreOutside(config, tensors, rows[i].prompt, rows[i].response)
        assert.ok(Math.abs(mine.reward - r.reward) < 1e-4, `row ${i}: ${mine.reward} vs ${r.reward}`)
        for (const [k, a] of config.attributes.entries()) assert.ok(Math.abs(mine.scores[k] - r.scores[a]) < 1e-4)
      })
    })
  }
})
