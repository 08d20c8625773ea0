import assert from 'node:assert/strict'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { type Matrix, matrix } from '../compute/matrix.ts'
import { Rng } from '../compute/rng.ts'
import { matrixSource } from '../core/batch-source.ts'
import { standardize } from '../core/target-stats.ts'
import { RewardfitError } from '../errors.ts'
import type { ParamSet } from '../heads/head.ts'
import { createHead } from '../heads/registry.ts'
import { pointwiseRatingLoss } from '../objectives/rating.ts'
import { CHECKPOINT_FILE } from './checkpoint.ts'
import type { TrainOptions } from './options.ts'
import { train } from './train.ts'

/** y = X·W + noise on two attributes with different scales, ~10% labels missing. */
function synthetic(seed: number, n: number, d = 6, flip = 1): { x: Matrix; y: Float32Array } {
  const rng = new Rng(seed)
  const w = new Rng(1000) // the same true weights for every split
  const W = Array.from({ length: d * 2 }, () => w.normal())
  const x = matrix(
    n,
    d,
    Float32Array.from({ length: n * d }, () => rng.normal()),
  )
  const y = new Float32Array(n * 2)
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < 2; a++) {
      let s = 0
      for (let j = 0; j < d; j++) s += x.data[i * d + j] * W[j * 2 + a]
      y[i * 2 + a] = rng.float() < 0.1 ? Number.NaN : [3, 50][a] + [1, 10][a] * flip * s + 0.1 * rng.normal()
    }
  }
  return { x, y }
}
const data = (seed = 1, n = 240, flip = 1) => {
  const t = synthetic(seed, n)
  const v = synthetic(seed + 100, 80, 6, flip)
  return { train: matrixSource(t.x, t.y, 2), val: matrixSource(v.x, v.y, 2) }
}
const bytes = (p: ParamSet) => Object.entries(p).map(([k, t]) => [k, Buffer.from(t.data.buffer).toString('base64')])

test('training maximizes L_rating: the linear head recovers a noisy linear target', async () => {
  const epochs: number[] = []
  const res = await train(data(), {
    epochs: 30,
    lr: 0.05,
    batchSize: 32,
    patience: 0,
    onEpoch: (r) => epochs.push(r.epoch),
  })
  assert.deepEqual(
    epochs,
    Array.from({ length: 30 }, (_, i) => i + 1),
  )
  const first = res.history[0]
  const last = res.history.at(-1)!
  assert.ok(first.valLRating! < last.valLRating!, 'validation L_rating went up')
  assert.ok(last.valLRating! <= 0)
  assert.ok(Math.abs(last.valLRating! + last.valMse!) < 1e-9, 'unit weights: L_rating = -MSE')
  // The noise has std 0.1 (attribute 0) and 1 (attribute 1, scale 10): RMSE close to those.
  assert.ok(last.valRmseByAttribute![0] < 0.2, `rmse ${last.valRmseByAttribute}`)
  assert.ok(last.valRmseByAttribute![1] < 2, `rmse ${last.valRmseByAttribute}`)
  const bestL = Math.max(...res.history.map((h) => h.valLRating!))
  assert.equal(res.bestValLRating, bestL)
  assert.equal(res.history[res.bestEpoch - 1].valLRating, bestL)
  assert.ok(Math.abs(res.targetStats[1].mean - 50) < 5 && res.targetStats[1].std > 5)
})

test('one full-batch SGD step moves the weights by +lr·∂L_rating/∂θ (ascent, not descent)', async () => {
  const { train: src } = data(2, 50)
  const lr = 0.1
  const res = await train(
    { train: src },
    {
      optimizer: 'sgd',
      momentum: 0,
      weightDecay: 0,
      lr,
      epochs: 1,
      batchSize: 50,
      schedule: 'constant',
      warmupRatio: 0,
      clipNorm: 0,
      seed: 7,
    },
  )
  // The same init, then dL/dθ by hand (rows in order: the full-batch gradient is order-free).
  const init = createHead({ type: 'linear', inputDim: 6, outputs: 2 }, new Rng(7))
  const all = await src.read(Array.from({ length: 50 }, (_, i) => i))
  const z = standardize(all.y, res.targetStats)
  const f = await init.forward(all.x)
  const before = pointwiseRatingLoss(z, f.out.data, { attributes: 2 }).value
  const g = await f.backward({
    rows: 50,
    cols: 2,
    data: Float32Array.from(pointwiseRatingLoss(z, f.out.data, { attributes: 2 }).grad),
  })
  for (const [name, t] of Object.entries(res.head.params)) {
    for (let i = 0; i < t.data.length; i++) {
      const want = init.params[name].data[i] + lr * g[name].data[i]
      assert.ok(Math.abs(t.data[i] - want) < 1e-5, `${name}[${i}] ${t.data[i]} vs ${want}`)
    }
  }
  const after = pointwiseRatingLoss(z, (await res.head.predict(all.x)).data, { attributes: 2 }).value
  assert.ok(after > before, `L_rating ${before} -> ${after} should increase`)
})

// The plain per-batch path here; fused-epoch.test.ts covers the same properties for the fused one.
const mlpOpts: TrainOptions = {
  fused: false,
  head: 'mlp',
  hidden: [8, 4],
  dropout: 0.2,
  epochs: 5,
  batchSize: 16,
  lr: 0.01,
  patience: 10,
  seed: 3,
}

test('the same seed gives bit-identical weights; another seed does not', async () => {
  const a = await train(data(), mlpOpts)
  const b = await train(data(), mlpOpts)
  const c = await train(data(), { ...mlpOpts, seed: 4 })
  assert.deepEqual(bytes(a.head.params), bytes(b.head.params))
  assert.notDeepEqual(bytes(a.head.params), bytes(c.head.params))
  assert.deepEqual(
    a.history.map((h) => h.valLRating),
    b.history.map((h) => h.valLRating),
  )
})

for (const [label, variant] of [
  ['AdamW', {}],
  ['SGD with momentum', { optimizer: 'sgd', momentum: 0.9 }],
] as [string, TrainOptions][]) {
  test(`${label}: stop after epoch 2 of 5, resume: bit-identical to an uninterrupted run; JSONL log has 5 epochs`, async () => {
    const opts = { ...mlpOpts, ...variant }
    const dir = await mkdtemp(join(tmpdir(), 'rewardfit-ckpt-'))
    const logPath = join(dir, 'log.jsonl')
    const full = await train(data(), opts)
    const part = await train(data(), { ...opts, checkpointDir: dir, logPath, stopAfterEpoch: 2 })
    assert.equal(part.history.length, 2)
    const resumed = await train(data(), { ...opts, checkpointDir: dir, logPath, resume: true })
    assert.deepEqual(bytes(resumed.head.params), bytes(full.head.params))
    assert.equal(resumed.bestEpoch, full.bestEpoch)
    assert.deepEqual(resumed.targetStats, full.targetStats)
    const lines = (await readFile(logPath, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    assert.deepEqual(
      lines.map((l) => l.epoch),
      [1, 2, 3, 4, 5],
    )
    assert.deepEqual(
      lines.map((l) => l.valLRating),
      full.history.map((h) => h.valLRating),
    )
    for (const key of ['epoch', 'step', 'lr', 'trainLRating', 'valLRating', 'valMse', 'valRmse', 'seconds']) {
      assert.ok(key in lines[0], key)
    }
    assert.equal(lines[4].step, 5 * 15)
  })
}

test('a mismatched or corrupt checkpoint is a clear RewardfitError', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rewardfit-ckpt-'))
  await train(data(), { ...mlpOpts, epochs: 2, checkpointDir: dir })
  await assert.rejects(
    train(data(), { ...mlpOpts, epochs: 2, lr: 0.02, checkpointDir: dir, resume: true }),
    (e) => e instanceof RewardfitError && /lr = 0\.01, but this run has lr = 0\.02/.test(e.message),
  )
  const path = join(dir, CHECKPOINT_FILE)
  const good = await readFile(path)
  await writeFile(path, good.subarray(0, good.length - 10))
  await assert.rejects(
    train(data(), { ...mlpOpts, epochs: 2, checkpointDir: dir, resume: true }),
    (e) => e instanceof RewardfitError && /is corrupt/.test(e.message),
  )
  await writeFile(path, 'not a checkpoint')
  await assert.rejects(train(data(), { ...mlpOpts, checkpointDir: dir, resume: true }), /is corrupt/)
})

test('early stopping: patience epochs without improvement, then the best weights are restored', async () => {
  // Validation labels are the negated relation: fitting training makes validation worse.
  const d = data(5, 240, -1)
  const res = await train(d, { epochs: 30, patience: 2, lr: 0.05, batchSize: 32 })
  assert.equal(res.history.length, res.bestEpoch + 2)
  const best = res.history[res.bestEpoch - 1]
  assert.equal(res.bestValLRating, best.valLRating)
  assert.ok(res.history.slice(res.bestEpoch).every((h) => h.valLRating! <= best.valLRating!))
  // The returned head is the best epoch's: its validation L_rating is the recorded best.
  const v = await train(d, { epochs: 30, patience: 2, lr: 0.05, batchSize: 32, stopAfterEpoch: res.bestEpoch })
  assert.deepEqual(bytes(v.head.params), bytes(res.head.params))
})

test('onStep reports rows done out of the total (per batch on the plain path, per epoch when fused)', async () => {
  const seen: number[] = []
  await train(data(1, 40), { epochs: 2, batchSize: 16, fused: false, onStep: (p) => seen.push(p.rows / p.totalRows) })
  assert.deepEqual(
    seen,
    [16, 32, 40, 56, 72, 80].map((r) => r / 80),
  )
  const fused: number[] = []
  await train(data(1, 40), { epochs: 2, batchSize: 16, onStep: (p) => fused.push(p.rows / p.totalRows) })
  assert.deepEqual(fused, [0.5, 1])
})
