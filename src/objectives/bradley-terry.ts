/**
 * The Bradley-Terry preference objective, maximized during training:
 *
 *     d_i  = r(x, y_c) - r(x, y_r) - m_i              m_i: the pair's margin (0 without)
 *     L_BT = (1/n)·Σ [ p_i·log σ(d_i) + (1 - p_i)·log σ(-d_i) ]  -  η·(1/n)·Σ (r_c + r_r)²
 *     ∂L/∂r_c = [  (p_i - σ(d_i)) - 2η·(r_c + r_r) ] / n
 *     ∂L/∂r_r = [ -(p_i - σ(d_i)) - 2η·(r_c + r_r) ] / n
 *
 * p_i is the probability that the chosen response wins: 1 for a hard label, 0.5 for a tie, a
 * soft label in between (WebGPT's scores). η centers the rewards (TRL's center_rewards_coefficient)
 * so they do not drift. L_BT ≤ 0 and higher is better, like L_rating: ascent pushes r_c above
 * r_r + m. With p = 1, m = 0 and η = 0 it is E[log σ(r_c - r_r)], InstructGPT's reward model loss.
 *
 * @example
 *   pairwiseLoss([1], [0]).value        // log σ(1) = -0.3133
 *   pairwiseLoss([0], [1]).gradChosen   // [σ(1)] = [0.7311]: raise the chosen reward
 */
import { DType, type Initializer, node, tensorInfo } from '../compute/onnx-proto.ts'
import { RewardfitError } from '../errors.ts'
import type { Objective, ValidationAccumulator } from './objective.ts'

export interface PairwiseLossOptions {
  /** m_i per pair; default 0. */
  margins?: ArrayLike<number>
  /** p_i per pair, in [0, 1]; default 1 (the chosen response wins). */
  labels?: ArrayLike<number>
  /** η ≥ 0, the reward-centering coefficient; default 0. */
  center?: number
}

export interface PairwiseLoss {
  /** L_BT, ≤ 0. */
  value: number
  /** ∂L_BT/∂r_c and ∂L_BT/∂r_r, one per pair. */
  gradChosen: Float64Array
  gradRejected: Float64Array
  /** Pairs, n. */
  count: number
}

/** log σ(d), stable for any d. */
export const logSigmoid = (d: number): number => -(Math.max(-d, 0) + Math.log1p(Math.exp(-Math.abs(d))))
export const sigmoid = (d: number): number => (d >= 0 ? 1 / (1 + Math.exp(-d)) : Math.exp(d) / (1 + Math.exp(d)))

export function pairwiseLoss(
  chosen: ArrayLike<number>,
  rejected: ArrayLike<number>,
  options: PairwiseLossOptions = {},
): PairwiseLoss {
  const n = chosen.length
  if (rejected.length !== n) {
    throw new RewardfitError(`chosen has ${n} rewards but rejected has ${rejected.length}; give one of each per pair`)
  }
  if (n === 0) throw new RewardfitError('no pairs: give at least one (chosen, rejected) pair')
  const { margins, labels } = options
  const eta = options.center ?? 0
  if (!(eta >= 0) || !Number.isFinite(eta))
    throw new RewardfitError(`center is ${eta}; it must be a finite number >= 0`)
  for (const [name, v] of [
    ['margins', margins],
    ['labels', labels],
  ] as const) {
    if (v && v.length !== n) throw new RewardfitError(`${name} has ${v.length} values; expected one per pair (${n})`)
  }
  const gradChosen = new Float64Array(n)
  const gradRejected = new Float64Array(n)
  let sum = 0
  for (let i = 0; i < n; i++) {
    const rc = chosen[i]
    const rr = rejected[i]
    if (!Number.isFinite(rc) || !Number.isFinite(rr)) {
      throw new RewardfitError(`pair ${i} has rewards ${rc} and ${rr}; rewards must be finite`)
    }
    const p = labels ? labels[i] : 1
    if (!(p >= 0 && p <= 1)) throw new RewardfitError(`label of pair ${i} is ${p}; a win probability must be in [0, 1]`)
    const d = rc - rr - (margins ? margins[i] : 0)
    const s = rc + rr
    sum += p * logSigmoid(d) + (1 - p) * logSigmoid(-d) - eta * s * s
    const e = p - sigmoid(d)
    gradChosen[i] = (e - 2 * eta * s) / n
    gradRejected[i] = (-e - 2 * eta * s) / n
  }
  return { value: sum / n, gradChosen, gradRejected, count: n }
}

export interface BradleyTerryOptions {
  /** η ≥ 0: the reward-centering coefficient. */
  center?: number
}

/** The epoch record fields of the Bradley-Terry objective (the training log's keys). */
export interface PairRecord {
  /** Mean L_BT over the epoch's training batches (before each update), ≤ 0. */
  trainLBT: number
  /** Validation L_BT, pair accuracy (ties count half) and mean r_c - r_r; null without a validation split. */
  valLBT: number | null
  valAccuracy: number | null
  valMeanMargin: number | null
}

/** Label values per pair in a batch: [p, m] (win probability of chosen, margin). */
export const PAIR_LABEL_WIDTH = 2

/**
 * L_BT as a training objective on a one-output head: the reward is the head's output, on a log-odds
 * scale (r_c - r_r is the log-odds that the chosen response wins). Batches hold two feature rows per
 * pair, chosen then rejected, and labels [p, m] per pair.
 */
export function bradleyTerryObjective(options: BradleyTerryOptions = {}): Objective {
  const eta = options.center ?? 0
  if (!(eta >= 0) || !Number.isFinite(eta))
    throw new RewardfitError(`center is ${eta}; it must be a finite number >= 0`)
  return {
    type: 'bradley-terry',
    spec: { type: 'bradley-terry', center: eta },
    rowsPerExample: 2,
    outputs(source) {
      if (source.attributes !== PAIR_LABEL_WIDTH) {
        throw new RewardfitError(
          `a pair source has ${PAIR_LABEL_WIDTH} label values per pair (win probability, margin); this one has ${source.attributes}`,
        )
      }
      return 1
    },
    // The reward is the output itself: no rating scale to map back to.
    fitStats: async () => [{ mean: 0, std: 1 }],
    labelled: () => true,
    batchLoss(y, out) {
      const { chosen, rejected, labels, margins } = unpack(y, out)
      const l = pairwiseLoss(chosen, rejected, { labels, margins, center: eta })
      const grad = new Float64Array(out.length)
      for (let i = 0; i < l.count; i++) {
        grad[2 * i] = l.gradChosen[i]
        grad[2 * i + 1] = l.gradRejected[i]
      }
      return { value: l.value, grad, count: l.count }
    },
    validation: () => pairValidation(eta),
    record: (train, val) => ({
      trainLBT: train,
      valLBT: val ? val.value : null,
      valAccuracy: val ? (val.metrics.accuracy as number) : null,
      valMeanMargin: val ? (val.metrics.meanMargin as number) : null,
    }),
    fused: {
      labels: (y) => y,
      inputs: () => [{ info: tensorInfo('eta2', DType.float, []), data: Float32Array.of(2 * eta) }],
      constants: BT_CONSTANTS,
      nodes(add, { out, labels, grad, sum, count }) {
        const n = (op: string, ins: string[], outs: string[], attrs?: Parameters<typeof node>[3]) =>
          add(node(op, ins, outs, attrs))
        // out [2B, 1] → rc, rr [B]; labels [B, 2] → p, m [B].
        n('Reshape', [out, 'btPairShape'], ['btR'])
        n('Gather', ['btR', 'btI0'], ['btRc'], { axis: { int: 1 } })
        n('Gather', ['btR', 'btI1'], ['btRr'], { axis: { int: 1 } })
        n('Gather', [labels, 'btI0'], ['btP'], { axis: { int: 1 } })
        n('Gather', [labels, 'btI1'], ['btM'], { axis: { int: 1 } })
        n('Size', ['btP'], ['btN'])
        n('Cast', ['btN'], [count], { to: { int: DType.float } })
        n('Sub', ['btRc', 'btRr'], ['btDiff'])
        n('Sub', ['btDiff', 'btM'], ['btD'])
        n('Sigmoid', ['btD'], ['btSig'])
        n('Sub', ['btP', 'btSig'], ['btE'])
        n('Add', ['btRc', 'btRr'], ['btS'])
        n('Mul', ['btS', 'eta2'], ['btC'])
        // ∂(-L)/∂r_c = (-e + 2ηs)/n,  ∂(-L)/∂r_r = (e + 2ηs)/n, interleaved back to [2B, 1].
        n('Sub', ['btC', 'btE'], ['btGc0'])
        n('Add', ['btC', 'btE'], ['btGr0'])
        n('Div', ['btGc0', count], ['btGc'])
        n('Div', ['btGr0', count], ['btGr'])
        n('Unsqueeze', ['btGc', 'axes1'], ['btGc1'])
        n('Unsqueeze', ['btGr', 'axes1'], ['btGr1'])
        n('Concat', ['btGc1', 'btGr1'], ['btG2'], { axis: { int: 1 } })
        n('Reshape', ['btG2', 'btColumn'], [grad])
        // Σ p·log σ(d) + (1-p)·log σ(-d) - η·s², with log σ(d) = -softplus(-d).
        n('Neg', ['btD'], ['btNegD'])
        n('Softplus', ['btNegD'], ['btSpNeg'])
        n('Softplus', ['btD'], ['btSpPos'])
        n('Mul', ['btP', 'btSpNeg'], ['btT1'])
        n('Sub', ['one', 'btP'], ['btQ'])
        n('Mul', ['btQ', 'btSpPos'], ['btT2'])
        n('Add', ['btT1', 'btT2'], ['btNll'])
        n('Mul', ['btS', 'btS'], ['btS2'])
        n('Mul', ['btS2', 'eta2'], ['btS2e'])
        n('Mul', ['btS2e', 'half'], ['btCen'])
        n('Add', ['btNll', 'btCen'], ['btNeg'])
        n('ReduceSum', ['btNeg'], ['btNegSum'], { keepdims: { int: 0 } })
        n('Neg', ['btNegSum'], [sum])
      },
      value: (sum, count) => sum / count,
    },
  }
}

const i64 = (name: string, v: number[], dims: number[]): Initializer => ({
  name,
  dtype: DType.int64,
  dims,
  data: BigInt64Array.from(v.map(BigInt)),
})
const BT_CONSTANTS: Initializer[] = [
  i64('btPairShape', [-1, 2], [2]),
  i64('btColumn', [-1, 1], [2]),
  i64('btI0', [0], []),
  i64('btI1', [1], []),
]

/** Chosen and rejected rewards (interleaved rows of a one-output head) and the [p, m] labels of a batch. */
function unpack(y: Float32Array, out: ArrayLike<number>) {
  const n = y.length / PAIR_LABEL_WIDTH
  if (out.length !== 2 * n) {
    throw new RewardfitError(`${out.length} rewards for ${n} pairs; a one-output head gives two rewards per pair`)
  }
  const chosen = new Float64Array(n)
  const rejected = new Float64Array(n)
  const labels = new Float64Array(n)
  const margins = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    chosen[i] = out[2 * i]
    rejected[i] = out[2 * i + 1]
    labels[i] = y[2 * i]
    margins[i] = y[2 * i + 1]
  }
  return { chosen, rejected, labels, margins }
}

/**
 * Pair accuracy: the share of pairs the reward orders as labelled (p > 0.5: r_c > r_r; p < 0.5:
 * r_c < r_r; a reward tie counts half; tie labels p = 0.5 are left out), the mean r_c - r_r, and L_BT.
 */
export function pairValidation(eta: number): ValidationAccumulator {
  let value = 0
  let pairs = 0
  let correct = 0
  let decided = 0
  let margin = 0
  return {
    add(y, out) {
      const { chosen, rejected, labels, margins } = unpack(y, out)
      const l = pairwiseLoss(chosen, rejected, { labels, margins, center: eta })
      value += l.value * l.count
      pairs += l.count
      for (let i = 0; i < l.count; i++) {
        const diff = chosen[i] - rejected[i]
        margin += diff
        if (labels[i] === 0.5) continue
        decided++
        const sign = labels[i] > 0.5 ? diff : -diff
        correct += sign > 0 ? 1 : sign === 0 ? 0.5 : 0
      }
    },
    result: () => ({
      value: pairs > 0 ? value / pairs : Number.NaN,
      metrics: {
        accuracy: decided > 0 ? correct / decided : Number.NaN,
        meanMargin: pairs > 0 ? margin / pairs : Number.NaN,
        pairs,
      },
    }),
  }
}
