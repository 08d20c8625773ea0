/**
 * Exact ridge for the linear head: the closed-form maximizer of L_rating − α·‖W‖² on standardized
 * targets z = (y − mean) / std, with α chosen per attribute on validation L_rating.
 *
 *     W_a(α) = (X̃ᵀX̃ + α·I)⁻¹ · X̃ᵀz̃        X̃, z̃: rows labelled for attribute a, centred by their means
 *     b_a    = z̄ − W_a · x̄               (the intercept is not penalized)
 *
 * α is on the sum-of-squares scale (as sklearn's Ridge). The default grid is log-spaced relative to
 * trace(X̃ᵀX̃)/d, so it is unchanged when features are rescaled or rows duplicated.
 *
 * One factorization serves the whole α grid AND every missing-label pattern:
 * - Missing labels: the Gram of ALL rows is factored once; an attribute missing m rows (kept by
 *   the accumulator while m ≤ d/8) is a rank-m Woodbury correction that also keeps its own
 *   centring exact (linalg/woodbury.ts). Patterns with more missing rows get their own Gram.
 * - 'band' (grid default): orthogonal reduction to a band of width 32 (linalg/band-reduce.ts,
 *   ~2·d³ flops, all in onnxruntime products); each α is then a banded Cholesky, O(d·32²).
 * - 'dual' (auto when rows < features and the rows fit in memory): the same on the n×n kernel of
 *   the rows, W = X̃ᵀ·(X̃X̃ᵀ + α·I)⁻¹·z̃, with the missing rows as a correction in n-space.
 * - 'cholesky' (single α): factors X̃ᵀX̃ + α·I per mask group on onnxruntime.
 * - 'eigen': plain TypeScript tql2 (~9·d³ flops); only it handles α = 0 on a singular Gram.
 * All are exact up to rounding (the tests pin them against the normal equations and each other).
 *
 * Measured (shared 2-core machine, load ~2-3; 15-α grid, k = 5, fit only; one pattern / five
 * patterns with 2% missing labels each; one Cholesky in the same run in brackets; the previous
 * code needed 15 Choleskys per pattern):
 *   d = 768: 0.52 / 0.94 s (0.05 s; previous code 3.7 s with five patterns)
 *   d = 1024: 0.70 / 1.15 s (0.09 s; previous code 6.8 s)
 *   d = 2048: 2.3 / 4.0 s (0.44 s)      d = 4096: 12.1 / 18.6 s (2.5 s)
 * n = 65,536, d = 768 (stream + fit): 1.9 + 0.5 s one pattern, 2.1 + 1.6 s five (1,310 missing
 * rows each: past d/8, so one reduction per pattern); sklearn 1.2 on the same shape: RidgeCV with
 * the 15 α 11.3 s, 15 Ridge(cholesky) fits ~12 s. Demo data (1,194 training rows, d = 4096):
 * dual, 1.9 s (33 s with 'band').
 *
 * @example
 *   const train = await accumulateRidge(trainSource)
 *   const val = await accumulateRidge(valSource)
 *   const fit = await fitRidge(train, { validation: val })
 *   fit.params['linear.weight']   // { shape: [k, d], data } in standardized units
 *   fit.alphas                    // chosen α per attribute; fit.grid has validation L_rating per α
 */
import { gemm } from '../compute/matmul.ts'
import type { Matrix } from '../compute/matrix.ts'
import type { BatchSource } from '../core/batch-source.ts'
import type { TargetStats } from '../core/targets.ts'
import { OptionError, RewardfitError } from '../errors.ts'
import type { ParamSet } from '../heads/head.ts'
import { NotPositiveDefiniteError } from '../linalg/cholesky.ts'
import {
  KEEP_ALL_MAX_VALUES,
  type MaskStats,
  RidgeAccumulator,
  type RidgeAccumulatorOptions,
} from '../linalg/ridge-accumulator.ts'
import { type ShiftedSolver, type ShiftedSolverKind, shiftedSolver } from '../linalg/shifted-solver.ts'
import { prepareMaskedSolve, prepareMaskedSolveDual } from '../linalg/woodbury.ts'

export { RidgeAccumulator, type RidgeAccumulatorOptions }

export type RidgeSolver = 'auto' | 'band' | 'eigen' | 'cholesky' | 'dual'

export interface RidgeOptions {
  /** Candidate α values (absolute, each ≥ 0) tried on validation data; null = the default grid. */
  alphas?: number[] | null
  /** The α used when there is no validation data. Range [0, ∞). */
  alpha?: number
  /** 'auto' → 'dual' when rows < features (rows kept), else 'band' for a grid and 'cholesky' for one α. */
  solver?: RidgeSolver
}

export const RIDGE_DEFAULTS = { alphas: null, alpha: 1, solver: 'auto' } satisfies Required<RidgeOptions>

/** Default grid: trace(X̃ᵀX̃)/d · 10^t for t = -6, -5.5, …, 1 (15 values). */
export const DEFAULT_RELATIVE_ALPHAS: readonly number[] = Array.from({ length: 15 }, (_, i) => 10 ** (-6 + i / 2))

/** Widest Gram 'auto' sends to the plain-TypeScript eigen solver (only for a grid holding α = 0). */
export const EIGEN_MAX_DIM = 512

export function resolveRidgeOptions(o: RidgeOptions = {}): Required<RidgeOptions> {
  const r = { ...RIDGE_DEFAULTS, ...o }
  if (!(r.alpha >= 0) || !Number.isFinite(r.alpha)) throw new OptionError('alpha', r.alpha, 'a finite number >= 0')
  if (r.alphas !== null) {
    if (!Array.isArray(r.alphas) || r.alphas.length === 0 || r.alphas.some((a) => !(a >= 0) || !Number.isFinite(a))) {
      throw new OptionError('alphas', r.alphas, 'a non-empty list of finite numbers >= 0, or null for the default grid')
    }
  }
  if (!['auto', 'band', 'eigen', 'cholesky', 'dual'].includes(r.solver)) {
    throw new OptionError('solver', r.solver, "'auto', 'band', 'eigen', 'cholesky' or 'dual'")
  }
  return r
}

export interface RidgeFitOptions extends RidgeOptions {
  /** Validation statistics; with them α is chosen per attribute from the grid. */
  validation?: RidgeAccumulator
  /** Target standardization (training split only); computed from `train` when omitted. */
  targetStats?: TargetStats[]
}

export interface RidgeGridPoint {
  alpha: number
  /** Validation L_rating (= −MSE, raw rating units) per attribute; −Infinity if the solve failed, NaN if unlabelled. */
  valLRating: number[]
}

export interface RidgeFit {
  /** 'linear.weight' [k, d], 'linear.bias' [k], standardized target units. */
  params: ParamSet
  targetStats: TargetStats[]
  /** The α used per attribute. */
  alphas: number[]
  /** Every α tried, ascending, with its validation L_rating; empty when `selection` is 'fixed'. */
  grid: RidgeGridPoint[]
  /** 'validation': α chosen on validation L_rating; 'fixed': no validation data, `alpha` used. */
  selection: 'validation' | 'fixed'
  solverUsed: Exclude<RidgeSolver, 'auto'>
  /** Numerical trouble stated with its values (a failed factorization, a constant target, …). */
  warnings: string[]
}

/** Streams a source once into a RidgeAccumulator. */
export async function accumulateRidge(
  source: BatchSource,
  chunkRows = 4096,
  options: RidgeAccumulatorOptions = {},
): Promise<RidgeAccumulator> {
  const acc = new RidgeAccumulator(source.dim, source.attributes, { expectedRows: source.rows, ...options })
  for await (const batch of source.chunks(chunkRows)) await acc.add(batch)
  return acc
}

export async function fitRidge(train: RidgeAccumulator, options: RidgeFitOptions = {}): Promise<RidgeFit> {
  const { validation, targetStats: givenStats, ...rest } = options
  const o = resolveRidgeOptions(rest)
  const d = train.dim
  const k = train.attributes
  if (validation && (validation.dim !== d || validation.attributes !== k)) {
    throw new RewardfitError(
      `validation statistics are ${validation.dim} features x ${validation.attributes} attributes but training is ${d} x ${k}; use the same featurizer and attributes`,
    )
  }
  const warnings: string[] = []
  const counts = train.labelCounts
  counts.forEach((c, a) => {
    if (c < 2) throw new RewardfitError(`attribute ${a} has ${c} labelled training rows; ridge needs at least 2`)
  })
  const stats = givenStats ?? computeTargetStats(train, warnings)
  if (stats.length !== k)
    throw new RewardfitError(`targetStats has ${stats.length} entries; expected one per attribute (${k})`)
  stats.forEach((t, a) => {
    if (!Number.isFinite(t.mean) || !(t.std > 0) || !Number.isFinite(t.std)) {
      throw new OptionError(`targetStats[${a}]`, t, 'a finite mean and a finite std > 0')
    }
  })

  if (!validation && o.alphas !== null) {
    warnings.push(
      `alphas ${JSON.stringify(o.alphas)} ignored: there is no validation data to choose from; used alpha ${o.alpha}`,
    )
  }
  const scale = traceScale(train)
  const useGrid = validation !== undefined
  const alphas = useGrid
    ? [...(o.alphas ?? DEFAULT_RELATIVE_ALPHAS.map((t) => t * scale))].sort((a, b) => a - b)
    : [o.alpha]
  const rowsKept = train.rowsKept
  const solver = o.solver === 'auto' ? autoSolver(d, alphas, train.rows, rowsKept) : o.solver
  if (solver === 'dual' && !rowsKept) {
    throw new OptionError(
      'solver',
      'dual',
      `the dual needs every training row in memory, and ${train.rows} rows x ${d} features were more than the accumulator keeps (KEEP_ALL_MAX_VALUES = ${KEEP_ALL_MAX_VALUES} by default); use 'auto'`,
    )
  }

  const weight = new Float32Array(k * d)
  const bias = new Float32Array(k)
  const chosen = new Array<number>(k).fill(o.alpha)
  const grid: RidgeGridPoint[] = alphas.map((alpha) => ({ alpha, valLRating: new Array<number>(k).fill(Number.NaN) }))
  // The full centred Gram, factored at most once and shared by every mask group it can serve.
  let base: ShiftedSolver | null = null
  const fullBase = async () => {
    await train.flush()
    base ??= await shiftedSolver(solver as ShiftedSolverKind, centredGram(train.gram, train.colSum, train.rows, d), d)
    return base
  }
  let kernel: DualKernel | null = null
  const dualKernel = async () => {
    kernel ??= await buildDualKernel(train)
    return kernel
  }

  for (const attrs of train.maskGroups) {
    const s = train.maskStats(attrs[0])
    const n = s.count
    const mean = s.colSum.map((v) => v / n)
    // Centred right-hand sides X̃ᵀz̃ per attribute: [d, q].
    const q = attrs.length
    const rhs = new Float64Array(d * q)
    const zBar = attrs.map((a, c) => {
      const { xy, ySum } = train.labelStats(a)
      const { mean: mu, std } = stats[a]
      const zb = (ySum / n - mu) / std
      for (let j = 0; j < d; j++) rhs[j * q + c] = (xy[j] - mu * s.colSum[j]) / std - s.colSum[j] * zb
      return zb
    })
    const { solveHat, toWeights } =
      solver === 'dual'
        ? await dualSolver({ kind: useGrid ? 'band' : 'cholesky', ker: await dualKernel(), attrs, stats, d, k })
        : await groupSolver(solver, train, attrs[0], s, rhs, q, fullBase)

    // Solve every α in the basis, then change basis once for all of them: [d, q·solved].
    const solved: RidgeGridPoint[] = []
    const hats: Float64Array[] = []
    for (const point of grid) {
      try {
        hats.push(await solveHat(point.alpha))
        solved.push(point)
      } catch (e) {
        if (!(e instanceof NotPositiveDefiniteError)) throw e
        if (!useGrid) {
          throw new RewardfitError(
            `ridge with alpha ${point.alpha} failed for attributes ${attrs.join(', ')}: ${e.message}`,
            { cause: e },
          )
        }
        warnings.push(`alpha ${point.alpha}: ${e.message}; skipped for attributes ${attrs.join(', ')}`)
        for (const a of attrs) point.valLRating[a] = Number.NEGATIVE_INFINITY
      }
    }
    const cols = solved.length * q
    const hatRows = hats.length > 0 ? hats[0].length / q : 0
    const joined = new Float64Array(hatRows * cols)
    hats.forEach((h, p) => {
      for (let j = 0; j < hatRows; j++) for (let c = 0; c < q; c++) joined[j * cols + p * q + c] = h[j * q + c]
    })
    const W = await toWeights(joined, cols)
    // The standardized bias z̄ − w·x̄ of column `col` of weights [d, width], for attribute c of the group.
    const zBias = (c: number, col: number, from: Float64Array, width: number) => {
      let b = zBar[c]
      for (let j = 0; j < d; j++) b -= from[j * width + col] * mean[j]
      return b
    }
    const keep = (c: number, col: number, from: Float64Array, width: number, alpha: number) => {
      const a = attrs[c]
      chosen[a] = alpha
      for (let j = 0; j < d; j++) weight[a * d + j] = from[j * width + col]
      bias[a] = zBias(c, col, from, width)
    }

    for (let c = 0; c < q; c++) {
      const a = attrs[c]
      if (!useGrid) {
        keep(c, c, W, cols, solved[0].alpha)
        continue
      }
      const val = validation as RidgeAccumulator
      const nVal = val.labelCounts[a]
      if (nVal === 0) {
        warnings.push(`attribute ${a} has no validation labels; used alpha ${o.alpha}`)
        const w = await toWeights(await solveHat(o.alpha), q)
        keep(c, c, w, q, o.alpha)
        continue
      }
      if (solved.length === 0) {
        throw new RewardfitError(`ridge failed for attribute ${a} at every alpha: ${warnings.join('; ')}`)
      }
      // Raw prediction p = std·(w·x + b) + mean = u·x + offset, scored from validation statistics.
      const { std, mean: mu } = stats[a]
      const U = new Float64Array(solved.length * d)
      const offsets = solved.map((_, p) => {
        for (let j = 0; j < d; j++) U[p * d + j] = W[j * cols + p * q + c] * std
        return std * zBias(c, p * q + c, W, cols) + mu
      })
      const sse = await val.sumSquaredErrors(a, U, offsets)
      let best = -1
      solved.forEach((point, p) => {
        const l = -sse[p] / nVal
        point.valLRating[a] = l
        if (best < 0 || l > (solved[best].valLRating[a] as number)) best = p
      })
      keep(c, best * q + c, W, cols, solved[best].alpha)
    }
  }
  return {
    params: { 'linear.weight': { shape: [k, d], data: weight }, 'linear.bias': { shape: [k], data: bias } },
    targetStats: stats,
    alphas: chosen,
    grid: useGrid ? grid : [],
    selection: useGrid ? 'validation' : 'fixed',
    solverUsed: solver,
    warnings,
  }
}

/**
 * Fewer rows than features (and the rows kept): the dual, one n×n kernel factorization shared by
 * the mask groups (as the primal shares one d×d). Else one α: Cholesky on onnxruntime
 * (one factorization per mask group); a grid: one band reduction of the full Gram, after which each
 * α is cheap. Eigen only when the grid holds α = 0 and d is small, since only it handles a singular
 * Gram there (pseudo-inverse).
 */
function autoSolver(d: number, alphas: number[], rows: number, rowsKept: boolean): Exclude<RidgeSolver, 'auto'> {
  if (alphas.includes(0)) return d <= EIGEN_MAX_DIM && alphas.length > 1 ? 'eigen' : 'cholesky'
  if (rowsKept && rows < d) return 'dual'
  return alphas.length === 1 ? 'cholesky' : 'band'
}

/** All training rows centred by their full mean, [n, d] float64, and their kernel K = X_c·X_cᵀ, [n, n]. */
interface DualKernel {
  n: number
  xc: Float64Array
  K: Float64Array
  y: Float32Array
  /** K factored once (lazily) for the groups that use the Woodbury correction. */
  solver: ShiftedSolver | null
}

/** One mask group's solve in the dual: its attributes (sharing a label mask) over the shared kernel. */
interface DualGroup {
  kind: ShiftedSolverKind
  ker: DualKernel
  attrs: number[]
  stats: TargetStats[]
  d: number
  k: number
}

/** A group's map from dual solutions [rows, cols] (in `solver`'s basis) to weights Xᵀ·a, [d, cols]. */
function dualWeights(x: Matrix<Float64Array>, solver: ShiftedSolver): GroupSolver['toWeights'] {
  return async (h, cols) =>
    (await gemm(x, { rows: x.rows, cols, data: await solver.fromBasis(h, cols) }, { transA: true })).data
}

/**
 * A mask group in the dual: a low-rank correction of the shared kernel factorization when the
 * group misses at most n/8 rows, else its own kernel (dualGroupSolver).
 */
async function dualSolver(group: DualGroup): Promise<GroupSolver> {
  const { kind, ker, attrs, stats, d, k } = group
  const { n, xc, y } = ker
  const missing: number[] = []
  for (let i = 0; i < n; i++) if (Number.isNaN(y[i * k + attrs[0]])) missing.push(i)
  if (missing.length > n / 8) return dualGroupSolver(group)
  ker.solver ??= await shiftedSolver(kind, ker.K, n)
  const kernel = ker.solver
  // r [n, q]: standardized labels centred over the labelled rows, 0 on the missing ones.
  const q = attrs.length
  const r = new Float64Array(n * q)
  attrs.forEach((a, c) => {
    const { mean, std } = stats[a]
    let zm = 0
    for (let i = 0; i < n; i++) {
      const v = y[i * k + a]
      if (Number.isNaN(v)) continue
      r[i * q + c] = (v - mean) / std
      zm += r[i * q + c]
    }
    zm /= n - missing.length
    for (let i = 0; i < n; i++) if (!Number.isNaN(y[i * k + a])) r[i * q + c] -= zm
  })
  const masked = await prepareMaskedSolveDual(kernel, missing, r, q)
  return {
    solveHat: (alpha) => masked.solve(alpha),
    toWeights: dualWeights({ rows: n, cols: d, data: xc }, kernel),
  }
}

async function buildDualKernel(train: RidgeAccumulator): Promise<DualKernel> {
  const rows = train.keptRows()
  if (!rows) throw new RewardfitError('internal: the dual solver needs the kept training rows')
  const n = train.rows
  const d = train.dim
  const xc = Float64Array.from(rows.x)
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) xc[i * d + j] -= train.colSum[j] / n
  const xm = { rows: n, cols: d, data: xc }
  const K = (await gemm(xm, xm, { transB: true })).data
  return { n, xc, K, y: rows.y, solver: null }
}

/**
 * The dual for one mask group: with X̃ the labelled rows centred by their own mean and z̃ their
 * centred standardized labels, W = X̃ᵀ·(X̃·X̃ᵀ + α·I)⁻¹·z̃ equals the primal (X̃ᵀX̃ + α·I)⁻¹·X̃ᵀz̃
 * exactly. X̃·X̃ᵀ comes from the shared kernel: with g = X_c[L]·δ, δ = x̄ₐ − x̄,
 * Kₐ = K[L, L] − g·1ᵀ − 1·gᵀ + (δᵀδ)·11ᵀ.
 */
async function dualGroupSolver(group: DualGroup): Promise<GroupSolver> {
  const { kind, ker, attrs, stats, d, k } = group
  const { n, xc, K, y } = ker
  const L: number[] = []
  for (let i = 0; i < n; i++) if (!Number.isNaN(y[i * k + attrs[0]])) L.push(i)
  const na = L.length
  const delta = new Float64Array(d)
  for (const i of L) for (let j = 0; j < d; j++) delta[j] += xc[i * d + j] / na
  let dd = 0
  for (let j = 0; j < d; j++) dd += delta[j] * delta[j]
  // X̃ [na, d] and g [na]
  const xt = new Float64Array(na * d)
  const g = new Float64Array(na)
  L.forEach((i, r) => {
    let t = 0
    for (let j = 0; j < d; j++) {
      const v = xc[i * d + j]
      xt[r * d + j] = v - delta[j]
      t += v * delta[j]
    }
    g[r] = t
  })
  const Ka = new Float64Array(na * na)
  for (let r = 0; r < na; r++) {
    const kr = L[r] * n
    for (let c = 0; c < na; c++) Ka[r * na + c] = K[kr + L[c]] - g[r] - g[c] + dd
  }
  const q = attrs.length
  const z = new Float64Array(na * q)
  attrs.forEach((a, c) => {
    const { mean, std } = stats[a]
    let zm = 0
    for (let r = 0; r < na; r++) {
      const v = (y[L[r] * k + a] - mean) / std
      z[r * q + c] = v
      zm += v / na
    }
    for (let r = 0; r < na; r++) z[r * q + c] -= zm
  })
  const solver = await shiftedSolver(kind, Ka, na)
  const hat = await solver.toBasis(z, q)
  return {
    solveHat: (alpha) => solver.solve(alpha, hat, q),
    toWeights: dualWeights({ rows: na, cols: d, data: xt }, solver),
  }
}

/** α ↦ a group's solution in some basis ([rows, q]), and the map from a block of them to weights [d, cols]. */
interface GroupSolver {
  solveHat: (alpha: number) => Promise<Float64Array>
  toWeights: (hat: Float64Array, cols: number) => Promise<Float64Array>
}

/** C = G − n·x̄·x̄ᵀ (a new array). */
function centredGram(gram: Float64Array, colSum: Float64Array, n: number, d: number): Float64Array {
  const C = Float64Array.from(gram)
  for (let i = 0; i < d; i++) {
    const mi = colSum[i] / n
    for (let j = 0; j < d; j++) C[i * d + j] -= mi * colSum[j]
  }
  return C
}

/**
 * α ↦ W(α) in some basis for one mask group: from the shared full-Gram factorization with the
 * Woodbury correction when the group's missing rows were kept, else from the group's own Gram.
 * Cholesky always factors the group's own Gram: its per-α triangular solves with m extra columns
 * run in plain TypeScript and cost more than another factorization on onnxruntime.
 */
async function groupSolver(
  solver: ShiftedSolverKind,
  train: RidgeAccumulator,
  a: number,
  s: MaskStats,
  rhs: Float64Array,
  q: number,
  fullBase: () => Promise<ShiftedSolver>,
): Promise<GroupSolver> {
  const d = train.dim
  if (solver !== 'cholesky' && s.missingRows) {
    const basis = await fullBase()
    const m = s.missCount
    if (m === 0) {
      const hat = await basis.toBasis(rhs, q)
      return { solveHat: (alpha) => basis.solve(alpha, hat, q), toWeights: (h, c) => basis.fromBasis(h, c) }
    }
    // Missing rows centred by the full mean, as columns: Dᵀ [d, m].
    const total = train.rows
    const Dt = new Float64Array(d * m)
    for (let r = 0; r < m; r++) {
      for (let j = 0; j < d; j++) Dt[j * m + r] = s.missingRows[r * d + j] - train.colSum[j] / total
    }
    const masked = await prepareMaskedSolve(basis, Dt, m, total, rhs, q)
    return { solveHat: (alpha) => masked.solve(alpha), toWeights: (h, c) => basis.fromBasis(h, c) }
  }
  const own = await train.attributeStats(a)
  const basis = await shiftedSolver(solver, centredGram(own.gram, own.colSum, own.count, d), d)
  const hat = await basis.toBasis(rhs, q)
  return { solveHat: (alpha) => basis.solve(alpha, hat, q), toWeights: (h, c) => basis.fromBasis(h, c) }
}

/** Mean and population std of each attribute's training labels; a constant target gets std 1. */
export function computeTargetStats(acc: RidgeAccumulator, warnings: string[] = []): TargetStats[] {
  return Array.from({ length: acc.attributes }, (_, a) => {
    const s = acc.labelStats(a)
    const mean = s.ySum / s.count
    const variance = Math.max(0, s.yySum / s.count - mean * mean)
    let std = Math.sqrt(variance)
    if (!(std > 1e-12 * Math.max(1, Math.abs(mean)))) {
      warnings.push(`attribute ${a} has constant training labels (${mean}); its std is set to 1`)
      std = 1
    }
    return { mean, std }
  })
}

/** trace of the centred full Gram / d: the grid's unit. 1 when every feature is constant. */
function traceScale(acc: RidgeAccumulator): number {
  const d = acc.dim
  const t = acc.centredTrace()
  return t > 0 ? t / d : 1
}
