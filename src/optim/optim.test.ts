import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import type { ParamSet } from '../core/tensor.ts'
import { clipGradNorm } from './clip.ts'
import { createOptimizer } from './create-optimizer.ts'
import type { OptimizerConfig } from './optimizer.ts'
import { learningRate, warmupSteps } from './schedule.ts'

// Reference steps from torch 1.13 in float64 (fixtures/make-torch-steps.py).
const ref = JSON.parse(readFileSync(new URL('./fixtures/torch-steps.json', import.meta.url), 'utf8'))
type Pair = { weight: number[]; bias: number[] }
const paramSet = (p: Pair): ParamSet => ({
  weight: { shape: [3, 4], data: Float32Array.from(p.weight) },
  bias: { shape: [3], data: Float32Array.from(p.bias) },
})

function close(got: Float32Array, want: number[], what: string): void {
  for (let i = 0; i < want.length; i++) {
    // Float32 storage: a few ulps of the value, after four steps.
    assert.ok(
      Math.abs(got[i] - want[i]) <= 2e-6 * (1 + Math.abs(want[i])),
      `${what}[${i}]: ${got[i]} vs torch ${want[i]}`,
    )
  }
}

const base: OptimizerConfig = { kind: 'adamw', weightDecay: 0, betas: [0.9, 0.999], eps: 1e-8, momentum: 0 }
for (const [kind, cfg] of [
  ['adamw', { ...base, kind: 'adamw', betas: ref.adamw.betas, eps: ref.adamw.eps, weightDecay: ref.adamw.weightDecay }],
  ['sgd', { ...base, kind: 'sgd', momentum: ref.sgd.momentum, weightDecay: ref.sgd.weightDecay }],
] as const) {
  test(`${kind}: four steps with a changing lr match torch.optim`, () => {
    const opt = createOptimizer(cfg as OptimizerConfig)
    const p = paramSet(ref)
    ref[kind].steps.forEach((want: Pair, t: number) => {
      opt.step(p, paramSet(ref.grads[t]), ref.lrs[t])
      close(p.weight.data, want.weight, `step ${t + 1} weight`)
      close(p.bias.data, want.bias, `step ${t + 1} bias`)
    })
  })

  test(`${kind}: state() then load() continues bit-identically`, () => {
    const a = createOptimizer(cfg as OptimizerConfig)
    const pa = paramSet(ref)
    for (let t = 0; t < 2; t++) a.step(pa, paramSet(ref.grads[t]), ref.lrs[t])
    const saved = a.state()
    const b = createOptimizer(cfg as OptimizerConfig)
    b.load(saved)
    const pb: ParamSet = {
      weight: { ...pa.weight, data: pa.weight.data.slice() },
      bias: { ...pa.bias, data: pa.bias.data.slice() },
    }
    for (let t = 2; t < 4; t++) {
      a.step(pa, paramSet(ref.grads[t]), ref.lrs[t])
      b.step(pb, paramSet(ref.grads[t]), ref.lrs[t])
    }
    assert.deepEqual(pa, pb)
    assert.equal(b.state().step, 4)
  })
}

test('global-norm clipping matches torch.nn.utils.clip_grad_norm_', () => {
  const g = paramSet(ref.grads[0])
  const norm = clipGradNorm(g, ref.clip.maxNorm)
  assert.ok(Math.abs(norm - ref.clip.totalNorm) < 1e-6)
  close(g.weight.data, ref.clip.weight, 'clipped weight grad')
  close(g.bias.data, ref.clip.bias, 'clipped bias grad')
  const small = paramSet(ref.grads[0])
  clipGradNorm(small, 1e9) // above the norm: untouched
  assert.deepEqual(small, paramSet(ref.grads[0]))
})

test('cosine schedule with warm-up: 0 → lr linearly, then half-cosine to 0', () => {
  const s = { kind: 'cosine', lr: 0.1, totalSteps: 100, warmupSteps: warmupSteps(0.1, 100) } as const
  assert.equal(s.warmupSteps, 10)
  assert.equal(learningRate(s, 0), 0)
  assert.ok(Math.abs(learningRate(s, 5) - 0.05) < 1e-15)
  assert.equal(learningRate(s, 10), 0.1)
  assert.ok(Math.abs(learningRate(s, 55) - 0.05) < 1e-15)
  assert.ok(Math.abs(learningRate(s, 100)) < 1e-15)
  const c = { ...s, kind: 'constant' } as const
  assert.equal(learningRate(c, 5), 0.05)
  assert.equal(learningRate(c, 60), 0.1)
  assert.equal(learningRate({ ...c, warmupSteps: 0 }, 0), 0.1)
})
