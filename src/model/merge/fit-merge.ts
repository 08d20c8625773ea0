/**
 * Fits a learned merge on preference pairs with the attribute heads frozen (ArmoRM's second stage),
 * by maximizing the Bradley-Terry log-likelihood of the merged rewards
 *
 *     L_BT = (1/n) Σ_i log σ(r_c,i - r_r,i)      r = Σ_a w_a(x) · score_a       (≤ 0, higher is better)
 *
 * (objectives/bradley-terry.ts's pairwiseLoss, so a pair's margin m_i and soft label p_i apply too.)
 * The chosen and rejected responses share the prompt, hence the weights, so the margin is
 * w(x_i) · Δ_i with Δ_i = score(chosen_i) - score(rejected_i), and
 *
 *     ∂L_BT/∂w(x) = (1/n) Σ_{i: x_i = x} σ(-(w(x)·Δ_i)) · Δ_i
 *
 * The gate runs once per distinct prompt. Full-batch AdamW (on -L_BT) for `epochs` steps; with
 * validation pairs, the step with the best validation L_BT is kept. Deterministic for a seed.
 *
 * @example
 *   const fit = fitMerge(pairs, { type: 'learned-global' }, [0.5, 0.5])
 *   fit.merge.weights(null, 1)           // the learned softmax weights
 *   fit.report.train.learned.accuracy    // ≥ fit.report.train.fixed.accuracy, usually
 */
import type { Matrix } from '../../compute/matrix.ts'
import { Rng } from '../../compute/rng.ts'
import { OptionError } from '../../errors.ts'
import type { ParamSet } from '../../heads/head.ts'
import { pairwiseLoss } from '../../objectives/bradley-terry.ts'
import { AdamW } from '../../optim/adamw.ts'
import { fixedMerge } from './fixed.ts'
import { gatingMerge, initGatingParams } from './gating.ts'
import { GLOBAL_LOGITS, initialLogits, learnedGlobalMerge } from './learned-global.ts'
import type { Merge } from './merge.ts'

/** Attribute scores of pairs, with the prompts they were written for. */
export interface ScoredPairSet {
  /** [n, k] score(chosen) - score(rejected), on the rating scale. */
  delta: Float64Array
  /** [n] row of `prompts` that pair i belongs to. */
  promptOf: Int32Array
  /** [P, d] the featurizer's vector of (prompt, "") per distinct prompt; null for merges that ignore it. */
  prompts: Matrix | null
  /** [n] per-pair margins m_i and win probabilities p_i (pairwiseLoss); absent = 0 and 1. */
  margins?: Float64Array
  labels?: Float64Array
}

export type LearnedMergeType = 'learned-global' | 'gating'

export interface MergeFitOptions {
  /** 'learned-global' (softmax weights shared by all prompts) or 'gating' (an MLP on the prompt). */
  type?: LearnedMergeType
  /** Full-batch AdamW steps. Range [1, ∞). */
  epochs?: number
  /** AdamW learning rate. Range (0, ∞). */
  lr?: number
  /** AdamW decoupled weight decay (pulls the logits toward equal weights). Range [0, ∞). */
  weightDecay?: number
  /** Hidden width of the gate. Range [1, ∞). */
  hidden?: number
  /** Seeds the gate's initial weights. */
  seed?: number
}

export const MERGE_FIT_DEFAULTS = {
  type: 'learned-global',
  epochs: 300,
  lr: 0.02,
  weightDecay: 0.01,
  hidden: 16,
  seed: 0,
} satisfies Required<MergeFitOptions>

export function resolveMergeFitOptions(o: MergeFitOptions = {}): Required<MergeFitOptions> {
  const given = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))
  const r = { ...MERGE_FIT_DEFAULTS, ...given }
  if (r.type !== 'learned-global' && r.type !== 'gating')
    throw new OptionError('merge', r.type, "'learned-global' or 'gating'")
  if (!(Number.isInteger(r.epochs) && r.epochs >= 1)) throw new OptionError('merge-epochs', r.epochs, 'an integer >= 1')
  if (!(r.lr > 0)) throw new OptionError('merge-lr', r.lr, 'a number > 0')
  if (!(r.weightDecay >= 0)) throw new OptionError('merge-weight-decay', r.weightDecay, 'a number >= 0')
  if (!(Number.isInteger(r.hidden) && r.hidden >= 1)) throw new OptionError('gate-hidden', r.hidden, 'an integer >= 1')
  if (!Number.isInteger(r.seed)) throw new OptionError('seed', r.seed, 'an integer')
  return r
}

/** Pair accuracy (a tie counts half) and L_BT of a merge on a pair set. */
export interface PairFit {
  pairs: number
  accuracy: number
  l_bt: number
}

export interface MergeFitReport {
  type: LearnedMergeType
  epochs: number
  /** The step kept (the best validation L_BT, or the last step without validation pairs). */
  bestEpoch: number
  train: { fixed: PairFit; learned: PairFit }
  validation: { fixed: PairFit; learned: PairFit } | null
  /** Mean weight per attribute over the training prompts (for learned-global: the weights). */
  meanWeights: number[]
}

/** L_BT of reward differences d (as r_c = d, r_r = 0) with the set's margins and labels. */
const btLoss = (d: Float64Array, set: ScoredPairSet) =>
  pairwiseLoss(d, new Float64Array(d.length), { margins: set.margins, labels: set.labels })

/** Margins w(x_i)·Δ_i of every pair, with the per-prompt weights [P, k]. */
function margins(merge: Merge, set: ScoredPairSet, k: number): { m: Float64Array; w: Float64Array } {
  const rows = set.prompts ? set.prompts.rows : 1
  const w = merge.weights(set.prompts, rows)
  const n = set.promptOf.length
  const m = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const p = set.prompts ? set.promptOf[i] : 0
    let s = 0
    for (let a = 0; a < k; a++) s += w[p * k + a] * set.delta[i * k + a]
    m[i] = s
  }
  return { m, w }
}

/** Accuracy and L_BT of `merge` on `set`. */
export function pairFit(merge: Merge, set: ScoredPairSet, k: number): PairFit {
  const { m } = margins(merge, set, k)
  const n = m.length
  if (n === 0) return { pairs: 0, accuracy: Number.NaN, l_bt: Number.NaN }
  let correct = 0
  for (const v of m) correct += v > 0 ? 1 : v === 0 ? 0.5 : 0
  return { pairs: n, accuracy: correct / n, l_bt: btLoss(m, set).value }
}

/** L_BT and ∂L_BT/∂θ for every tensor of `merge` (the gradient that finite differences check). */
export function mergeObjective(merge: Merge, set: ScoredPairSet, k: number): { value: number; grads: ParamSet } {
  if (!merge.backward) throw new TypeError(`merge ${merge.spec.type} has nothing to learn`)
  const { m } = margins(merge, set, k)
  const rows = set.prompts ? set.prompts.rows : 1
  const gw = new Float64Array(rows * k)
  // ∂L/∂w(x) = Σ_{i: x_i = x} ∂L/∂d_i · Δ_i, with ∂L/∂d_i = gradChosen (d_i = r_c - r_r).
  const loss = btLoss(m, set)
  for (let i = 0; i < m.length; i++) {
    const p = set.prompts ? set.promptOf[i] : 0
    const c = loss.gradChosen[i]
    for (let a = 0; a < k; a++) gw[p * k + a] += c * set.delta[i * k + a]
  }
  return { value: loss.value, grads: merge.backward(set.prompts, gw) }
}

/** A new learned merge at its starting point: softmax of the fixed weights (or 1/k, see initialLogits). */
export function initLearnedMerge(
  o: Required<MergeFitOptions>,
  fixedWeights: readonly number[],
  inputDim: number,
): Merge {
  const logits = initialLogits(fixedWeights)
  if (o.type === 'learned-global')
    return learnedGlobalMerge({ [GLOBAL_LOGITS]: { shape: [logits.length], data: logits } })
  return gatingMerge(initGatingParams(inputDim, o.hidden, logits, new Rng(o.seed)))
}

export function fitMerge(
  train: ScoredPairSet,
  options: MergeFitOptions,
  fixedWeights: readonly number[],
  validation: ScoredPairSet | null = null,
): { merge: Merge; report: MergeFitReport } {
  const o = resolveMergeFitOptions(options)
  const k = fixedWeights.length
  if (train.promptOf.length === 0) throw new OptionError('pairs', 0, 'at least one preference pair to fit the merge on')
  if (o.type === 'gating' && !train.prompts) throw new TypeError('fitMerge: the gating merge needs prompt vectors')
  const merge = initLearnedMerge(o, fixedWeights, train.prompts?.cols ?? 1)
  const opt = new AdamW([0.9, 0.999], 1e-8, o.weightDecay)
  const copy = (p: ParamSet): ParamSet =>
    Object.fromEntries(Object.entries(p).map(([n, t]) => [n, { shape: [...t.shape], data: Float32Array.from(t.data) }]))
  let best = { epoch: 0, l: validation ? pairFit(merge, validation, k).l_bt : -Infinity, params: copy(merge.params) }
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const { grads } = mergeObjective(merge, train, k)
    // AdamW minimizes: step on -∂L_BT.
    for (const g of Object.values(grads)) for (let i = 0; i < g.data.length; i++) g.data[i] = -g.data[i]
    opt.step(merge.params, grads, o.lr)
    const l = validation ? pairFit(merge, validation, k).l_bt : epoch
    if (l > best.l) best = { epoch, l, params: copy(merge.params) }
  }
  for (const [n, t] of Object.entries(best.params)) merge.params[n].data.set(t.data)
  const fixed = fixedMerge(fixedWeights)
  const w = margins(merge, train, k).w
  const rows = w.length / k
  const meanWeights = Array.from({ length: k }, (_, a) => {
    let s = 0
    for (let p = 0; p < rows; p++) s += w[p * k + a]
    return s / rows
  })
  return {
    merge,
    report: {
      type: o.type,
      epochs: o.epochs,
      bestEpoch: best.epoch,
      train: { fixed: pairFit(fixed, train, k), learned: pairFit(merge, train, k) },
      validation: validation ? { fixed: pairFit(fixed, validation, k), learned: pairFit(merge, validation, k) } : null,
      meanWeights,
    },
  }
}
