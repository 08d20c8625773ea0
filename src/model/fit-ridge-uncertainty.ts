/**
 * Builds a ridge head's predictive uncertainty (ridge-uncertainty.ts) from the training statistics
 * it was fitted on: the eigen form of each missing-label pattern's centred Gram, σ per attribute
 * from the training residuals, then σ recalibrated and the residual correlation measured on the
 * validation split (or, without one, the correlation on the training split and σ left as is).
 *
 * @example
 *   const fit = await fitRidge(train, { validation: valAcc })
 *   const u = await fitRidgeUncertainty(train, fit, { residuals: valStore, calibrate: true })
 *   u.spec.attributes[0].sigma   // calibrated noise std, rating scale
 */
import { gemm } from '../compute/matmul.ts'
import type { Matrix } from '../compute/matrix.ts'
import type { BatchSource } from '../core/batch-source.ts'
import type { ParamSet } from '../core/tensor.ts'
import { OptionError } from '../errors.ts'
import { type BandReduction, DEFAULT_BANDWIDTH, factorShiftedBand, reduceToBand } from '../linalg/band-reduce.ts'
import { eigenSym } from '../linalg/eigen-sym.ts'
import type { KeptRows, RidgeAccumulator } from '../linalg/ridge-accumulator.ts'
import { topEigen } from '../linalg/top-eigen.ts'
import type { TargetStats } from './config.ts'
import {
  groupTensor,
  RidgeUncertainty,
  type RidgeUncertaintyAttribute,
  type RidgeUncertaintyGroup,
  splitFloat32Pair,
} from './ridge-uncertainty.ts'

export interface RidgeUncertaintyOptions {
  /**
   * 'auto': for a pattern with fewer labelled rows than features, kept in memory, and every α > 0,
   * the eigen form comes from the rows×rows kernel (exact when rows ≤ rank; ~20x faster than the
   * Gram's at d = 4096); otherwise the leading `rank` eigenpairs of the d×d Gram by subspace
   * iteration (exact only when rows ≤ rank). 'eigen': always the latter. 'dual': the banded-kernel
   * form (ridge-uncertainty.ts), exact for any rows < features but storing rows·d values; its fit
   * took ~3.2 s per missing-label pattern at d = 4096, 1,179 rows (load 7), and scoring costs
   * O(rows·bandwidth) per row per α in TypeScript.
   */
  form?: 'auto' | 'eigen' | 'dual'
  /**
   * Eigenpairs kept per missing-label pattern; the form is exact when the training rows number at
   * most this + 1 or the width reaches the feature count. Range [1, ∞).
   */
  rank?: number
  /** Power iterations of the eigen solver beyond the first product. Range [0, 20]. */
  iterations?: number
}

export const RIDGE_UNCERTAINTY_DEFAULTS = {
  form: 'auto',
  rank: 128,
  iterations: 3,
} satisfies Required<RidgeUncertaintyOptions>

export function resolveRidgeUncertaintyOptions(o: RidgeUncertaintyOptions = {}): Required<RidgeUncertaintyOptions> {
  const r: Required<RidgeUncertaintyOptions> = { ...RIDGE_UNCERTAINTY_DEFAULTS }
  if (o.form !== undefined) r.form = o.form
  if (!['auto', 'eigen', 'dual'].includes(r.form)) {
    throw new OptionError('uncertainty.form', r.form, "'auto', 'eigen' or 'dual'")
  }
  if (o.rank !== undefined) r.rank = o.rank
  if (o.iterations !== undefined) r.iterations = o.iterations
  if (!Number.isInteger(r.rank) || r.rank < 1) throw new OptionError('uncertaintyRank', r.rank, 'an integer >= 1')
  if (!Number.isInteger(r.iterations) || r.iterations < 0 || r.iterations > 20) {
    throw new OptionError('uncertaintyIterations', r.iterations, 'an integer in [0, 20]')
  }
  return r
}

/** What fitRidge returns that the uncertainty needs. */
export interface FittedRidge {
  params: ParamSet
  targetStats: TargetStats[]
  alphas: number[]
}

export interface FitRidgeUncertaintyInput extends RidgeUncertaintyOptions {
  /** Rows whose residuals measure the correlation (and σ when `calibrate`); usually validation. */
  residuals?: BatchSource
  /** Recalibrate σ on `residuals` (true for a held-out split, false for the training split). */
  calibrate?: boolean
}

export async function fitRidgeUncertainty(
  train: RidgeAccumulator,
  fit: FittedRidge,
  input: FitRidgeUncertaintyInput = {},
): Promise<RidgeUncertainty> {
  const o = resolveRidgeUncertaintyOptions({ form: input.form, rank: input.rank, iterations: input.iterations })
  const d = train.dim
  const k = train.attributes
  const params: ParamSet = {}
  const groups: RidgeUncertaintyGroup[] = []
  const attributes: RidgeUncertaintyAttribute[] = new Array(k)
  const kept = o.form === 'eigen' ? null : train.keptRows()
  for (const attrs of train.maskGroups) {
    const g = groups.length
    const rows = train.maskStats(attrs[0]).count
    const canDual = kept !== null && rows < d && attrs.every((a) => fit.alphas[a] > 0)
    // 'auto' takes the dual only where the eigen form would also be exact (rows ≤ rank): the same
    // storage (rows·d) at a fraction of the fit. Beyond rank the dual stays exact but stores more.
    const useDual = canDual && o.form === 'dual'
    if (o.form === 'dual' && !useDual) {
      throw new OptionError(
        'uncertainty.form',
        'dual',
        "'auto' or 'eigen': the dual needs fewer labelled rows than features, the rows kept in memory and alpha > 0",
      )
    }
    if (useDual) {
      const dual = await dualGroup(kept, train, attrs[0])
      groups.push(dual.group)
      params[groupTensor(g, 'mean')] = { shape: [d], data: Float32Array.from(dual.mean) }
      params[groupTensor(g, 'vectors')] = { shape: [dual.group.width, d], data: Float32Array.from(dual.y) }
      const band = splitFloat32Pair(dual.band.band)
      const bandShape = [dual.group.width, dual.band.bandwidth + 1]
      params[groupTensor(g, 'band')] = { shape: bandShape, data: band.hi }
      params[groupTensor(g, 'bandLow')] = { shape: [...bandShape], data: band.lo }
      for (const a of attrs) {
        const alpha = fit.alphas[a]
        // df = 1 + tr(K(K + αI)⁻¹) = 1 + m − α·tr((B + αI)⁻¹)
        const df = 1 + dual.group.rows - alpha * traceOfInverse(dual.band, alpha)
        attributes[a] = await trainingSigma(train, fit, a, alpha, df, g, dual.group.rows)
      }
      continue
    }
    // 'auto' with rows ≤ rank: the exact eigen form from the rows×rows kernel, ~d/rows times cheaper
    // than the subspace iteration on the d×d Gram (and the same storage). Else the subspace iteration.
    const fromKernel = canDual && o.form === 'auto'
    const { n, mean, eig, exact } = fromKernel
      ? await kernelEigen(kept, train, attrs[0], o)
      : await gramEigen(train, attrs[0], o)
    const width = eig.values.length
    const tail = exact ? 0 : eig.tail
    groups.push({ rows: n, width, tail, exact })
    params[groupTensor(g, 'mean')] = { shape: [d], data: Float32Array.from(mean) }
    params[groupTensor(g, 'vectors')] = { shape: [width, d], data: Float32Array.from(eig.vectors) }
    params[groupTensor(g, 'values')] = { shape: [width], data: Float32Array.from(eig.values) }
    for (const a of attrs) {
      const alpha = fit.alphas[a]
      let df = 1
      for (const e of eig.values) df += e / (e + alpha)
      if (tail > 0) df += ((d - width) * tail) / (tail + alpha)
      attributes[a] = await trainingSigma(train, fit, a, alpha, df, g, n)
    }
  }
  const identity: number[][] = Array.from({ length: k }, (_, a) =>
    Array.from({ length: k }, (_, c) => (a === c ? 1 : 0)),
  )
  const spec = { type: 'ridge' as const, groups, attributes, correlation: identity }
  if (!input.residuals) return new RidgeUncertainty(spec, params, d)
  const stats = await residualStats(new RidgeUncertainty(spec, params, d), fit, input.residuals)
  for (let a = 0; a < k; a++) {
    const n = stats.counts[a * k + a]
    if (input.calibrate && n > 0) {
      attributes[a].sigma = Math.sqrt(stats.sums[a * k + a] / n)
      attributes[a].calibration = 'validation'
      attributes[a].calibrationRows = n
    }
  }
  spec.correlation = identity.map((row, a) =>
    row.map((v, c) => {
      if (a === c || stats.counts[a * k + c] < 3) return v
      const den = Math.sqrt(stats.pairSq[a * k + c] * stats.pairSq[c * k + a])
      return den > 0 ? stats.sums[a * k + c] / den : 0
    }),
  )
  return new RidgeUncertainty(spec, params, d)
}

/** σ from the training residuals, SSE / (n − df), before any calibration. */
async function trainingSigma(
  train: RidgeAccumulator,
  fit: FittedRidge,
  a: number,
  alpha: number,
  df: number,
  group: number,
  n: number,
): Promise<RidgeUncertaintyAttribute> {
  const d = train.dim
  const w = fit.params['linear.weight'].data
  const b = fit.params['linear.bias'].data
  const { std, mean: mu } = fit.targetStats[a]
  const u = new Float64Array(d)
  for (let j = 0; j < d; j++) u[j] = w[a * d + j] * std
  const sse = (await train.sumSquaredErrors(a, u, [std * b[a] + mu]))[0]
  const sigmaTrain = Math.sqrt(sse / Math.max(1, n - df))
  return { group, alpha, sigma: sigmaTrain, sigmaTrain, df, calibration: 'training', calibrationRows: 0 }
}

/**
 * The dual form of one pattern (ridge-uncertainty.ts): its labelled rows X̃ [m, d] centred by their
 * mean, K = X̃X̃ᵀ reduced to a band Q·B·Qᵀ, and Y = QᵀX̃. Everything in float64 until stored.
 */
async function dualGroup(kept: KeptRows, train: RidgeAccumulator, a: number) {
  const { m, mean, xc, K } = await centredKernel(kept, train, a)
  const d = train.dim
  const band = await reduceToBand(K, m, Math.min(DEFAULT_BANDWIDTH, Math.max(1, m - 1)))
  const y = await band.toBasis(xc, d)
  const group: RidgeUncertaintyGroup = {
    rows: m,
    width: m,
    tail: 0,
    exact: true,
    form: 'dual',
    bandwidth: band.bandwidth,
  }
  return { group, mean, y, band }
}

/** The rows labelled for attribute a, centred by their mean (X̃ [m, d]), and K = X̃X̃ᵀ, in float64. */
async function centredKernel(kept: KeptRows, train: RidgeAccumulator, a: number) {
  const d = train.dim
  const k = train.attributes
  const total = train.rows
  const rows: number[] = []
  for (let i = 0; i < total; i++) if (!Number.isNaN(kept.y[i * k + a])) rows.push(i)
  const m = rows.length
  const mean = new Float64Array(d)
  for (const i of rows) for (let j = 0; j < d; j++) mean[j] += kept.x[i * d + j]
  for (let j = 0; j < d; j++) mean[j] /= m
  const xc = new Float64Array(m * d)
  rows.forEach((i, r) => {
    for (let j = 0; j < d; j++) xc[r * d + j] = kept.x[i * d + j] - mean[j]
  })
  const xm = { rows: m, cols: d, data: xc }
  const K = (await gemm(xm, xm, { transB: true })).data
  return { m, mean, xc, K }
}

/** The leading eigenpairs of the pattern's centred Gram by subspace iteration (exact when rows ≤ rank). */
async function gramEigen(train: RidgeAccumulator, a: number, o: Required<RidgeUncertaintyOptions>) {
  const d = train.dim
  const st = await train.attributeStats(a)
  const n = st.count
  const mean = st.colSum.map((v) => v / n)
  const C = st.gram
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) C[i * d + j] -= mean[i] * st.colSum[j]
  // The centred Gram of n rows has rank ≤ n − 1: with n ≤ width nothing is left out.
  const width = Math.min(o.rank, d, n)
  const eig = await topEigen(C, d, width, o.iterations)
  return { n, mean, eig, exact: width === d || n <= width }
}

/**
 * The eigen form from the rows×rows kernel: K = V·diag(λ)·Vᵀ gives C's eigenpairs (λⱼ, X̃ᵀvⱼ/√λⱼ),
 * at m²·d for K instead of m·d² for the Gram, and m×m eigenproblems instead of d×d ones.
 * - rows ≤ rank: all of K (eigenSym), exact. Eigenvalues at rounding level (≤ m·2⁻⁵²·λ_max; the
 *   centring makes one exactly 0) are left out: their directions carry nothing of C, so the
 *   isotropic 1/α term is their exact value.
 * - rows > rank: the leading `rank` pairs of K by the same subspace iteration as on the Gram
 *   (top-eigen.ts), the rest summarized by its mean over C's d − rank other directions.
 */
async function kernelEigen(kept: KeptRows, train: RidgeAccumulator, a: number, o: Required<RidgeUncertaintyOptions>) {
  const d = train.dim
  const { m, mean, xc, K } = await centredKernel(kept, train, a)
  let trace = 0
  for (let i = 0; i < m; i++) trace += K[i * m + i]
  let pairs: { value: number; vector: Float64Array }[]
  const exact = m <= o.rank
  if (exact) {
    const { values, vectors } = eigenSym(K, m)
    const cutoff = Math.max(0, values[m - 1] ?? 0) * m * 2 ** -52
    pairs = []
    for (let j = m - 1; j >= 0; j--) {
      if (values[j] > cutoff) pairs.push({ value: values[j], vector: vectors.subarray(j * m, j * m + m) })
    }
  } else {
    const top = await topEigen(K, m, o.rank, o.iterations)
    pairs = Array.from(top.values, (value, j) => ({ value, vector: top.vectors.subarray(j * m, j * m + m) }))
    pairs = pairs.filter((p) => p.value > 0)
  }
  // All rows alike: C = 0, and one zero pair keeps the tensors non-empty.
  const r = Math.max(1, pairs.length)
  // Rows of W [r, m]: vⱼ/√λⱼ, descending; U = W·X̃ [r, d].
  const W = new Float64Array(r * m)
  pairs.forEach((p, t) => {
    const s = 1 / Math.sqrt(p.value)
    for (let i = 0; i < m; i++) W[t * m + i] = p.vector[i] * s
  })
  const U = (await gemm({ rows: r, cols: m, data: W }, { rows: m, cols: d, data: xc })).data
  const values = Float64Array.from({ length: r }, (_, t) => pairs[t]?.value ?? 0)
  let keptSum = 0
  for (const v of values) keptSum += v
  const tail = exact ? 0 : Math.max(0, trace - keptSum) / (d - r)
  return { n: m, mean, eig: { values, vectors: U, tail }, exact }
}

/** tr((B + αI)⁻¹) = Σⱼ ‖L⁻¹eⱼ‖² for the banded Cholesky factor L: O(m²·bandwidth). */
function traceOfInverse(band: BandReduction, alpha: number): number {
  const { n, bandwidth: b } = band
  const w = b + 1
  const L = factorShiftedBand(band, alpha)
  const z = new Float64Array(n)
  let trace = 0
  for (let j = 0; j < n; j++) {
    // Forward substitution of L·z = eⱼ: z is zero above j.
    for (let i = j; i < n; i++) {
      let s = i === j ? 1 : 0
      for (let t = 1; t <= Math.min(b, i - j); t++) s -= L[(i - t) * w + t] * z[i - t]
      z[i] = s / L[i * w]
      trace += z[i] * z[i]
    }
  }
  return trace
}

/**
 * One pass over `source`: u = (y − ŷ)/√(1 + h) per attribute; Σ u_a·u_b, Σ u_a² over the rows
 * labelled for both (pairSq[a, b]), and those row counts, all [k, k].
 */
async function residualStats(u: RidgeUncertainty, fit: FittedRidge, source: BatchSource) {
  const k = u.attributes
  const d = u.dim
  const sums = new Float64Array(k * k)
  const pairSq = new Float64Array(k * k)
  const counts = new Float64Array(k * k)
  const w = fit.params['linear.weight'].data
  const bias = fit.params['linear.bias'].data
  for await (const batch of source.chunks(2048)) {
    const x: Matrix = batch.x
    const n = x.rows
    const h = await u.leverage(x)
    const r = new Float64Array(n * k)
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < k; a++) {
        const y = batch.y[i * k + a]
        if (Number.isNaN(y)) {
          r[i * k + a] = Number.NaN
          continue
        }
        let s = bias[a]
        for (let j = 0; j < d; j++) s += w[a * d + j] * x.data[i * d + j]
        const { mean, std } = fit.targetStats[a]
        r[i * k + a] = (y - (mean + std * s)) / Math.sqrt(1 + h[i * k + a])
      }
      for (let a = 0; a < k; a++) {
        const ra = r[i * k + a]
        if (Number.isNaN(ra)) continue
        for (let c = 0; c < k; c++) {
          const rc = r[i * k + c]
          if (Number.isNaN(rc)) continue
          sums[a * k + c] += ra * rc
          pairSq[a * k + c] += ra * ra
          counts[a * k + c]++
        }
      }
    }
  }
  return { sums, pairSq, counts }
}
