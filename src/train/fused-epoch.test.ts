import assert from 'node:assert/strict'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { matrix } from '../compute/matrix.ts'
import { Rng } from '../compute/rng.ts'
import { matrixSource } from '../core/batch-source.ts'
import type { ParamSet } from '../heads/head.ts'
import { createHead } from '../heads/registry.ts'
import { ratingObjective } from '../objectives/rating.ts'
import { AdamW } from '../optim/adamw.ts'
import { fusedEpoch } from './fused-epoch.ts'
import { resolveTrainOptions, type TrainOptions } from './options.ts'
import { train } from './train.ts'

/** A nonlinear target on 3 attributes with scales 1, 5, 0.2 and ~15% missing labels. */
function split(seed: number, n: number, d = 10) {
  const rng = new Rng(seed)
  const x = matrix(
    n,
    d,
    Float32Array.from({ length: n * d }, () => rng.normal()),
  )
  const y = new Float32Array(n * 3)
  for (let i = 0; i < n; i++) {
    const u = x.data[i * d] + 0.5 * x.data[i * d + 1]
    const v = Math.tanh(x.data[i * d + 2] * x.data[i * d + 3])
    const vals = [u + v, 10 + 5 * (u - v), 0.2 * x.data[i * d + 4] ** 2]
    for (let a = 0; a < 3; a++) y[i * 3 + a] = rng.float() < 0.15 ? Number.NaN : vals[a] + 0.05 * rng.normal()
  }
  return matrixSource(x, y, 3)
}
const data = () => ({ train: split(1, 203), val: split(2, 64) })
const maxRelDiff = (a: ParamSet, b: ParamSet) => {
  let worst = 0
  for (const [k, t] of Object.entries(a)) {
    let scale = 0
    for (const v of b[k].data) scale = Math.max(scale, Math.abs(v))
    for (let i = 0; i < t.data.length; i++) worst = Math.max(worst, Math.abs(t.data[i] - b[k].data[i]) / scale)
  }
  return worst
}
const bytes = (p: ParamSet) => Object.values(p).map((t) => Buffer.from(t.data.buffer).toString('base64'))

// Everything the graph implements at once: warm-up + cosine, clipping that fires, loss weights,
// weight decay, missing labels and a partial last batch (203 = 12·16 + 11).
const common: TrainOptions = {
  epochs: 4,
  batchSize: 16,
  lr: 0.02,
  weightDecay: 0.05,
  schedule: 'cosine',
  warmupRatio: 0.2,
  clipNorm: 0.5,
  lossWeights: [1, 0.5, 2],
  patience: 0,
  seed: 9,
}

for (const [name, extra] of [
  ['linear', { head: 'linear' }],
  ['mlp [12] gelu', { head: 'mlp', hidden: [12], activation: 'gelu', dropout: 0 }],
  ['mlp [12, 6] relu', { head: 'mlp', hidden: [12, 6], activation: 'relu', dropout: 0 }],
  [
    'mlp [12, 6] gelu, no clipping, no weight decay',
    { head: 'mlp', hidden: [12, 6], activation: 'gelu', dropout: 0, clipNorm: 0, weightDecay: 0 },
  ],
  // The same seed gives the same dropout masks on both paths.
  ['mlp [12] relu, dropout 0.3', { head: 'mlp', hidden: [12], activation: 'relu', dropout: 0.3 }],
  ['mlp [12, 6] gelu, dropout 0.2', { head: 'mlp', hidden: [12, 6], activation: 'gelu', dropout: 0.2 }],
] as [string, TrainOptions][]) {
  test(`fused epochs match the plain path to float32 rounding: ${name}`, async () => {
    const plain = await train(data(), { ...common, ...extra, fused: false })
    const fused = await train(data(), { ...common, ...extra, fused: true })
    const diff = maxRelDiff(fused.head.params, plain.head.params)
    assert.ok(diff < 2e-4, `max weight difference relative to the largest weight: ${diff}`)
    assert.notDeepEqual(bytes(fused.head.params), bytes(plain.head.params)) // really two different paths
    for (let e = 0; e < 4; e++) {
      const [p, f] = [plain.history[e], fused.history[e]]
      assert.equal(f.step, p.step)
      assert.equal(f.lr, p.lr)
      assert.ok(
        Math.abs(f.trainLRating! - p.trainLRating!) < 1e-4 * Math.abs(p.trainLRating!),
        `epoch ${e + 1} train L`,
      )
      assert.ok(Math.abs(f.valLRating! - p.valLRating!) < 1e-3 * Math.abs(p.valLRating!), `epoch ${e + 1} val L`)
    }
  })
}

test('fused training is bit-identical per seed and resumes bit-identically', async () => {
  const o = { ...common, head: 'mlp', hidden: [12], dropout: 0.1 } as TrainOptions
  const a = await train(data(), o)
  const b = await train(data(), o)
  assert.deepEqual(bytes(a.head.params), bytes(b.head.params))
  const dir = await mkdtemp(join(tmpdir(), 'rewardfit-fused-'))
  await train(data(), { ...o, checkpointDir: dir, stopAfterEpoch: 2 })
  const resumed = await train(data(), { ...o, checkpointDir: dir, resume: true })
  assert.deepEqual(bytes(resumed.head.params), bytes(a.head.params))
})

test('fusedEpoch declines (returns null) when a batch has no label, so the plain path can skip it', async () => {
  const head = createHead({ type: 'linear', inputDim: 2, outputs: 1 }, new Rng(0))
  const x = matrix(4, 2, Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8))
  const z = Float32Array.of(1, Number.NaN, Number.NaN, 2)
  const before = bytes(head.params)
  const args = {
    head,
    opt: new AdamW([0.9, 0.999], 1e-8, 0),
    rng: new Rng(0),
    objective: ratingObjective(),
    x,
    y: z,
    labels: z,
    stats: [{ mean: 0, std: 1 }],
    step0: 0,
    schedule: { kind: 'constant', lr: 0.1, totalSteps: 2, warmupSteps: 0 } as const,
    o: resolveTrainOptions({ batchSize: 2 }),
  }
  assert.equal(await fusedEpoch({ ...args, order: Uint32Array.of(1, 2, 0, 3) }), null)
  assert.deepEqual(bytes(head.params), before)
  const r = await fusedEpoch({ ...args, order: Uint32Array.of(0, 1, 2, 3) })
  assert.equal(r?.steps, 2)
  assert.notDeepEqual(bytes(head.params), before)
  assert.equal(args.opt.state().step, 2)
})
