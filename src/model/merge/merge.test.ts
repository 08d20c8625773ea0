import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Rng } from '../../compute/rng.ts'
import type { ParamSet } from '../../heads/head.ts'
import { fitMerge, mergeObjective, pairFit, type ScoredPairSet } from './fit-merge.ts'
import { fixedMerge } from './fixed.ts'
import { gatingMerge, initGatingParams } from './gating.ts'
import { GLOBAL_LOGITS, initialLogits, learnedGlobalMerge } from './learned-global.ts'
import type { Merge } from './merge.ts'
import { createMerge, mergeShapes } from './registry.ts'

/** n pairs over P prompts with d features and k attributes, from a seeded Rng. */
function randomSet(n: number, P: number, d: number, k: number, seed: number): ScoredPairSet {
  const rng = new Rng(seed)
  const prompts = { rows: P, cols: d, data: Float32Array.from({ length: P * d }, () => rng.normal()) }
  return {
    delta: Float64Array.from({ length: n * k }, () => 2 * rng.normal()),
    promptOf: Int32Array.from({ length: n }, (_, i) => i % P),
    prompts,
  }
}

/** Largest |analytic - numeric| / (1e-6 + 1e-3·|numeric|) over every parameter entry. */
function gradientScore(merge: Merge, set: ScoredPairSet, k: number): number {
  const { grads } = mergeObjective(merge, set, k)
  let worst = 0
  for (const [name, p] of Object.entries(merge.params)) {
    for (let i = 0; i < p.data.length; i++) {
      const orig = p.data[i]
      p.data[i] = orig + 1e-3
      const up = p.data[i]
      const lUp = mergeObjective(merge, set, k).value
      p.data[i] = orig - 1e-3
      const down = p.data[i]
      const lDown = mergeObjective(merge, set, k).value
      p.data[i] = orig
      const numeric = (lUp - lDown) / (up - down)
      const analytic = grads[name].data[i]
      worst = Math.max(worst, Math.abs(analytic - numeric) / (1e-6 + 1e-3 * Math.abs(numeric)))
    }
  }
  return worst
}

test('the gating gradient of L_BT (margins, soft labels) matches central finite differences in every parameter', () => {
  const k = 3
  // With per-pair margins and soft labels, as pairwiseLoss takes them.
  const set = {
    ...randomSet(12, 4, 5, k, 1),
    margins: Float64Array.from({ length: 12 }, (_, i) => (i % 3) * 0.5),
    labels: Float64Array.from({ length: 12 }, (_, i) => (i % 4 === 0 ? 0.5 : 1)),
  }
  const rng = new Rng(2)
  const params = initGatingParams(5, 4, Float32Array.from([0.3, -0.2, 0.1]), rng)
  // A fresh gate has W2 = 0 (no gradient reaches W0); randomize so every path is exercised.
  for (const t of Object.values(params)) for (let i = 0; i < t.data.length; i++) t.data[i] = rng.normal()
  const score = gradientScore(gatingMerge(params), set, k)
  assert.ok(score <= 1, `worst mismatch score ${score}`)
})

test('the learned-global gradient matches finite differences; its weights are a softmax', () => {
  const k = 4
  const set = { ...randomSet(20, 1, 1, k, 3), prompts: null }
  const merge = learnedGlobalMerge({ [GLOBAL_LOGITS]: { shape: [k], data: Float32Array.from([0.5, -1, 0.2, 0]) } })
  assert.ok(gradientScore(merge, set, k) <= 1)
  const w = merge.weights(null, 2)
  assert.ok(Math.abs(w.slice(0, k).reduce((s, v) => s + v, 0) - 1) < 1e-12)
  assert.deepEqual(w.slice(0, k), w.slice(k))
  assert.deepEqual(Array.from(merge.spec.weights as number[]), Array.from(w.slice(0, k)))
})

test('L_BT of a merge: exact value by hand, ≤ 0; accuracy counts a tie half', () => {
  // Two pairs, fixed weights [1, 0]: margins 2 and 0.
  const set: ScoredPairSet = {
    delta: Float64Array.from([2, 5, 0, -3]),
    promptOf: Int32Array.from([0, 0]),
    prompts: null,
  }
  const f = pairFit(fixedMerge([1, 0]), set, 2)
  assert.equal(f.accuracy, 0.75)
  assert.ok(Math.abs(f.l_bt - (Math.log(1 / (1 + Math.exp(-2))) + Math.log(0.5)) / 2) < 1e-12)
})

test('the gate learns prompt-dependent weights that no global weighting can match', () => {
  // Prompts of kind A prefer attribute 0, kind B attribute 1; the prompt's first feature tells them apart.
  const k = 2
  const rng = new Rng(5)
  const P = 8
  const n = 400
  const prompts = { rows: P, cols: 3, data: new Float32Array(P * 3) }
  for (let p = 0; p < P; p++) {
    prompts.data[p * 3] = p % 2 === 0 ? 1 : -1
    prompts.data[p * 3 + 1] = rng.normal() * 0.1
    prompts.data[p * 3 + 2] = 1
  }
  const delta = new Float64Array(n * k)
  const promptOf = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    const p = i % P
    promptOf[i] = p
    // chosen beats rejected on the attribute its prompt cares about, loses on the other.
    const good = 0.5 + rng.float()
    const bad = -(0.5 + rng.float())
    delta[i * k] = p % 2 === 0 ? good : bad
    delta[i * k + 1] = p % 2 === 0 ? bad : good
  }
  const set = { delta, promptOf, prompts }
  const global = fitMerge(set, { type: 'learned-global' }, [0.5, 0.5])
  const gate = fitMerge(set, { type: 'gating', hidden: 4, lr: 0.05, epochs: 300, seed: 1 }, [0.5, 0.5])
  assert.ok(global.report.train.learned.accuracy < 0.8, `global ${global.report.train.learned.accuracy}`)
  assert.ok(gate.report.train.learned.accuracy > 0.95, `gating ${gate.report.train.learned.accuracy}`)
  assert.ok(gate.report.train.learned.l_bt > gate.report.train.fixed.l_bt)
  const w = gate.merge.weights(prompts, P)
  assert.ok(w[0] > 0.8 && w[k + 1] > 0.8, `weights of an A and a B prompt: ${w.slice(0, 2 * k)}`)
})

test('fitMerge is deterministic for a seed and keeps the step with the best validation L_BT', () => {
  const set = randomSet(60, 6, 4, 3, 9)
  const val = randomSet(30, 3, 4, 3, 10)
  const run = () => fitMerge(set, { type: 'gating', hidden: 3, epochs: 40, seed: 4 }, [0.2, 0.3, 0.5], val)
  const a = run()
  const b = run()
  for (const [name, t] of Object.entries(a.merge.params)) assert.deepEqual(t.data, b.merge.params[name].data)
  assert.deepEqual(a.report, b.report)
  const best = a.report.validation?.learned.l_bt as number
  assert.ok(best >= (a.report.validation?.fixed.l_bt as number) - 1e-12)
  assert.ok(a.report.bestEpoch >= 0 && a.report.bestEpoch <= 40)
  const c = fitMerge(set, { type: 'gating', hidden: 3, epochs: 40, seed: 5 }, [0.2, 0.3, 0.5], val)
  assert.notDeepEqual(c.merge.params['merge.gate.0.weight'].data, a.merge.params['merge.gate.0.weight'].data)
})

test('the registry: an older config (no merge) is the fixed merge; unknown types list the known ones', () => {
  const old = { attributes: ['a', 'b'], attributeWeights: [0.7, -0.1] }
  const m = createMerge(old, {})
  assert.equal(m.spec.type, 'fixed')
  assert.deepEqual(Array.from(m.weights(null, 2)), [0.7, -0.1, 0.7, -0.1])
  assert.deepEqual(mergeShapes(old), {})
  assert.deepEqual(mergeShapes({ ...old, merge: { type: 'gating', inputDim: 7, hidden: 2 } }), {
    'merge.gate.0.weight': [2, 7],
    'merge.gate.0.bias': [2],
    'merge.gate.2.weight': [2, 2],
    'merge.gate.2.bias': [2],
  })
  assert.throws(
    () => createMerge({ ...old, merge: { type: 'moe' } }, {}, 'models/x'),
    /"merge.type" is "moe"; known merges: fixed, learned-global, gating/,
  )
  const params: ParamSet = { [GLOBAL_LOGITS]: { shape: [2], data: initialLogits([0.7, -0.1]) } }
  // Negative fixed weights cannot start a softmax: the fit starts from equal weights.
  assert.deepEqual(
    Array.from(createMerge({ ...old, merge: { type: 'learned-global' } }, params).weights(null, 1)),
    [0.5, 0.5],
  )
})
