import assert from 'node:assert/strict'
import { test } from 'node:test'
import { matrix } from '../compute/matrix.ts'
import { Rng } from '../compute/rng.ts'
import { groupedSource, matrixSource } from '../core/batch-source.ts'
import { createObjective } from '../objectives/registry.ts'
import type { TrainOptions } from './options.ts'
import { train } from './train.ts'

/** Pairs preferred by a hidden nonlinear reward; rows chosen, rejected, ...; labels [p, m]. */
function pairSplit(seed: number, n: number, d = 8) {
  const rng = new Rng(seed)
  const x = new Float32Array(2 * n * d)
  const y = new Float32Array(2 * n * 2)
  const hidden = (row: Float32Array) => row[0] + Math.tanh(row[1] * row[2]) - 0.5 * row[3]
  for (let i = 0; i < n; i++) {
    const a = Float32Array.from({ length: d }, () => rng.normal())
    const b = Float32Array.from({ length: d }, () => rng.normal())
    const [c, r] = hidden(a) >= hidden(b) ? [a, b] : [b, a]
    x.set(c, 2 * i * d)
    x.set(r, (2 * i + 1) * d)
    const p = i % 10 === 0 ? 0.5 : 1 // some ties
    const m = i % 7 === 0 ? 0.5 : 0 // some margins
    y.set([p, m, p, m], 4 * i)
  }
  return groupedSource(matrixSource(matrix(2 * n, d, x), y, 2), 2)
}
const data = () => ({ train: pairSplit(1, 203), val: pairSplit(2, 80) })
const common: TrainOptions = {
  epochs: 4,
  batchSize: 16,
  lr: 0.02,
  weightDecay: 0.05,
  warmupRatio: 0.2,
  clipNorm: 0.5,
  patience: 0,
  seed: 3,
}
const bytes = (p: Record<string, { data: Float32Array }>) =>
  Object.values(p).map((t) => Buffer.from(t.data.buffer).toString('base64'))

for (const [name, extra] of [
  ['linear', { head: 'linear' }],
  ['mlp [12] gelu, dropout 0.2', { head: 'mlp', hidden: [12], activation: 'gelu', dropout: 0.2 }],
] as [string, TrainOptions][]) {
  test(`Bradley-Terry: fused epochs match the plain path to float32 rounding, and learn the pairs: ${name}`, async () => {
    const objective = createObjective({ type: 'bradley-terry', center: 0.01 })
    const plain = await train(data(), { ...common, ...extra, objective, fused: false })
    const fused = await train(data(), { ...common, ...extra, objective, fused: true })
    assert.notDeepEqual(bytes(fused.head.params), bytes(plain.head.params))
    for (const [k, t] of Object.entries(plain.head.params)) {
      const scale = Math.max(...t.data.map(Math.abs))
      for (let i = 0; i < t.data.length; i++) {
        assert.ok(Math.abs(t.data[i] - fused.head.params[k].data[i]) < 2e-4 * scale, `${k}[${i}]`)
      }
    }
    assert.equal(plain.head.spec.outputs, 1)
    for (let e = 0; e < 4; e++) {
      const [p, f] = [plain.history[e], fused.history[e]]
      assert.ok(Math.abs(f.trainLBT! - p.trainLBT!) < 1e-4 * Math.abs(p.trainLBT!), `epoch ${e + 1} train L_BT`)
      assert.ok(Math.abs(f.valLBT! - p.valLBT!) < 1e-3 * Math.abs(p.valLBT!), `epoch ${e + 1} val L_BT`)
      assert.ok(p.valLBT! <= 0 && p.trainLRating === undefined)
    }
    assert.ok(plain.history[3].valLBT! > plain.history[0].valLBT!, 'validation L_BT went up')
    assert.ok(plain.history[3].valAccuracy! > 0.75, `validation accuracy ${plain.history[3].valAccuracy}`)
    assert.equal(plain.bestValue, Math.max(...plain.history.map((h) => h.valLBT!)))
  })
}
