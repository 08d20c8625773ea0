/**
 * The predictive standard deviation of a ridge head: the posterior predictive of the Bayesian
 * linear model whose MAP estimate ridge is (prior w ~ N(0, σ²/α·I), flat prior on the intercept,
 * noise N(0, σ²)). For attribute a, with x̄ₐ the mean and X̃ₐ the centred rows labelled for a:
 *
 *     var_a(x) = σₐ² · (1 + hₐ(x)),   hₐ(x) = 1/nₐ + zᵀ·(X̃ₐᵀX̃ₐ + αₐ·I)⁻¹·z,   z = x − x̄ₐ
 *
 * which is σ²(1 + x̃ᵀ(X̃ᵀX̃ + αI)⁻¹x̃) with the intercept as an unpenalized column [1, x], written in
 * centred form. The inverse is stored as the eigen form of X̃ₐᵀX̃ₐ shared by every attribute with
 * the same missing-label pattern (αₐ differs per attribute, the eigenvectors do not): the leading
 * `width` eigenpairs (V, e) and the mean `tail` of the rest, so that
 *
 *     zᵀ(C + αI)⁻¹z = ‖z‖²/(tail + α) + Σⱼ (vⱼᵀz)² · (1/(eⱼ + α) − 1/(tail + α))
 *
 * This is exact when C has rank ≤ width or width = d; otherwise the spectrum beyond `width` is
 * replaced by its mean (see top-eigen.ts). Scoring costs one [n, d]×[d, width] product per pattern,
 * beside the head's [n, d]×[d, k].
 *
 * The 'dual' form, for fewer labelled rows m than features (exact, and ~20x cheaper to fit at
 * d = 4096, m = 1,194 than the eigen form's subspace iteration): by Woodbury on the m×m kernel
 * K = X̃X̃ᵀ, reduced once to a band K = Q·B·Qᵀ (linalg/band-reduce.ts, orthogonal), with Y = QᵀX̃ [m, d],
 *
 *     zᵀ(C + αI)⁻¹z = (‖z‖² − (Yz)ᵀ(B + αI)⁻¹(Yz)) / α
 *
 * so every α shares Y and B, and each attribute costs one banded solve, O(m·bandwidth) per row.
 * Stored: Y as `vectors` [m, d] and B as `band` + `bandLow` [m, bandwidth + 1] (lower band storage,
 * float32 pairs hi + lo: B's rounding to float32 alone can make B + αI indefinite for a small α).
 *
 * σₐ is first the training estimate SSE/(nₐ − df), df = 1 + Σ e/(e + α), then recalibrated on the
 * validation split: σₐ² = mean over validation rows of (y − ŷ)² / (1 + hₐ(x)), so Gaussian
 * intervals ŷ ± z_q·std have their stated coverage on data like the validation split. The merged
 * reward's variance is Σ_ab w_a·w_b·ρ_ab·std_a·std_b, ρ the attributes' residual correlation.
 *
 * @example
 *   const u = ridgeUncertaintyFromParams(config.uncertainty, params)
 *   const std = await u.attributeStd(x)     // [n, k] on the rating scale
 */
import { gemmWithRowNorms } from '../compute/matmul.ts'
import type { Matrix } from '../compute/matrix.ts'
import type { ParamSet } from '../core/tensor.ts'
import { type BandReduction, factorShiftedBand, solveBandFactor } from '../linalg/band-reduce.ts'
import type { UncertainPrediction } from './ensemble-uncertainty.ts'
import { mergedStd } from './merged-std.ts'

export interface RidgeUncertaintyGroup {
  /** Rows labelled for the attributes of this missing-label pattern. */
  rows: number
  /** Eigenpairs kept. */
  width: number
  /** Mean eigenvalue of the directions not kept (0 when the form is exact). */
  tail: number
  /** Whether the form is exact (dual; eigen with rank ≤ width or width = d). */
  exact: boolean
  /** 'dual': `vectors` are Y = QᵀX̃ and `band` is B (see above); absent means 'eigen' (older folders). */
  form?: 'eigen' | 'dual'
  /** 'dual': sub-diagonals of B. */
  bandwidth?: number
}

export interface RidgeUncertaintyAttribute {
  /** Index into `groups`. */
  group: number
  alpha: number
  /** Noise std on the rating scale used for intervals (the calibrated one when there was validation data). */
  sigma: number
  /** The training-split estimate, SSE / (n − df). */
  sigmaTrain: number
  /** Effective degrees of freedom of the fit, 1 + Σ e/(e + α). */
  df: number
  /** 'validation' when σ was recalibrated there (rows used in `calibrationRows`), else 'training'. */
  calibration: 'validation' | 'training'
  calibrationRows: number
}

export interface RidgeUncertaintySpec {
  type: 'ridge'
  groups: RidgeUncertaintyGroup[]
  attributes: RidgeUncertaintyAttribute[]
  /** [k][k] correlation of the attributes' standardized residuals (identity when unknown). */
  correlation: number[][]
}

/** Tensor names in uncertainty.safetensors for pattern g. */
export const groupTensor = (g: number, what: 'mean' | 'vectors' | 'values' | 'band' | 'bandLow') => `ridge.${g}.${what}`

/** The loaded form: per pattern mean [d], V·x̄, and values or band (the vectors are in `stacked`). */
interface LoadedGroup extends RidgeUncertaintyGroup {
  mean: Float64Array
  /** eigen: [width]; dual: empty. */
  values: Float64Array
  /** dual: B in lower band storage; null for eigen. */
  band: BandReduction | null
  /** dual: the Cholesky factor of B + α·I per α (built on first use). */
  factors: Map<number, Float64Array>
  vMean: Float64Array
  meanNorm2: number
}

/**
 * The quadratic form of attribute a in a pattern's projections p [width]:
 * zᵀ(C + αI)⁻¹z = iso·‖z‖² + p·apply(p). `apply` maps a block of m projections [m, width].
 */
export interface RidgeQuadratic {
  iso: number
  group: number
  rows: number
  apply(p: Float64Array, m: number): Float64Array
}

export class RidgeUncertainty {
  readonly kind = 'ridge'
  /** As given, except that each pattern's `vectors` tensor is a view into `stacked` (the same values). */
  readonly params: ParamSet
  private readonly loaded: LoadedGroup[]
  /**
   * Every pattern's vectors, then every pattern's mean, stacked as one [Σ width + patterns, d]
   * float32 matrix: one product per call instead of a product and a d-long float64 loop per
   * pattern (5 patterns at d = 4096 made scoring with std 8× scoring without). The vectors are held
   * here only, not also in their own arrays.
   */
  private readonly stacked: Matrix<Float32Array>

  constructor(
    readonly spec: RidgeUncertaintySpec,
    params: ParamSet,
    readonly dim: number,
  ) {
    this.loaded = spec.groups.map((g, i) => {
      const mean = Float64Array.from(params[groupTensor(i, 'mean')].data)
      const vt = params[groupTensor(i, 'vectors')]
      const dual = g.form === 'dual'
      const values = dual ? new Float64Array(0) : Float64Array.from(params[groupTensor(i, 'values')].data)
      const band: BandReduction | null = dual
        ? bandOnly(
            g.width,
            g.bandwidth ?? 1,
            joinFloat32Pair(params[groupTensor(i, 'band')].data, params[groupTensor(i, 'bandLow')].data),
          )
        : null
      const vMean = new Float64Array(g.width)
      for (let j = 0; j < g.width; j++) {
        let s = 0
        for (let c = 0; c < dim; c++) s += vt.data[j * dim + c] * mean[c]
        vMean[j] = s
      }
      let meanNorm2 = 0
      for (let c = 0; c < dim; c++) meanNorm2 += mean[c] * mean[c]
      return { ...g, mean, values, band, factors: new Map(), vMean, meanNorm2 }
    })
    const rows = spec.groups.reduce((s, g) => s + g.width, 0) + spec.groups.length
    const data = new Float32Array(rows * dim)
    this.params = { ...params }
    let r = 0
    spec.groups.forEach((g, i) => {
      const name = groupTensor(i, 'vectors')
      data.set(params[name].data.subarray(0, g.width * dim), r * dim)
      this.params[name] = { shape: params[name].shape, data: data.subarray(r * dim, (r + g.width) * dim) }
      r += g.width
    })
    for (const g of this.loaded) data.set(Float32Array.from(g.mean), r++ * dim)
    this.stacked = { rows, cols: dim, data }
  }

  get attributes(): number {
    return this.spec.attributes.length
  }

  /**
   * Per pattern: the projections P = (x − x̄)·Vᵀ [n, width] and ‖x − x̄‖² [n] (= ‖x‖² − 2·x·x̄ + ‖x̄‖²,
   * with x·x̄ from the same float32 product, exact to float32 rounding of ‖x‖·‖x̄‖). The quantities
   * `leverage` and `select` (the rank-one posterior updates) are built from. One product for the whole
   * call: the std may differ in the last float32 bits with the batch (the reward does not).
   */
  async project(x: Matrix): Promise<{ p: Float64Array; z2: Float64Array }[]> {
    const n = x.rows
    const _d = this.dim
    const all = this.stacked
    const cols = all.rows
    const x32 = x.data instanceof Float32Array ? (x as Matrix<Float32Array>) : { ...x, data: Float32Array.from(x.data) }
    const { product, norms: xx } = await gemmWithRowNorms(x32, all)
    const xs = product.data
    const out: { p: Float64Array; z2: Float64Array }[] = []
    let col = 0
    const meanCol = cols - this.loaded.length
    this.loaded.forEach((g, gi) => {
      const w = g.width
      const p = new Float64Array(n * w)
      const z2 = new Float64Array(n)
      const vMean = g.vMean
      for (let i = 0; i < n; i++) {
        const row = i * cols + col
        for (let j = 0; j < w; j++) p[i * w + j] = xs[row + j] - vMean[j]
        z2[i] = Math.max(0, xx[i] - 2 * xs[i * cols + meanCol + gi] + g.meanNorm2)
      }
      col += w
      out.push({ p, z2 })
    })
    return out
  }

  /** x̄ of pattern g (the labelled rows' mean). */
  groupMean(g: number): Float64Array {
    return this.loaded[g].mean
  }

  /** Attribute a's quadratic form (see RidgeQuadratic), eigen or dual. */
  quadratic(a: number): RidgeQuadratic {
    const { group, alpha } = this.spec.attributes[a]
    const g = this.loaded[group]
    const w = g.width
    const band = g.band
    if (band) {
      // −(B + αI)⁻¹·p / α per row; the solve runs on the transposed block [w, m].
      let L = g.factors.get(alpha)
      if (!L) {
        L = factorShiftedBand(band, alpha)
        g.factors.set(alpha, L)
      }
      const factor = L
      const apply = (p: Float64Array, m: number) => {
        const pt = new Float64Array(w * m)
        for (let i = 0; i < m; i++) for (let j = 0; j < w; j++) pt[j * m + i] = p[i * w + j]
        const st = solveBandFactor(band, factor, pt, m)
        const out = new Float64Array(m * w)
        for (let i = 0; i < m; i++) for (let j = 0; j < w; j++) out[i * w + j] = -st[j * m + i] / alpha
        return out
      }
      return { iso: 1 / alpha, group, rows: g.rows, apply }
    }
    const iso = g.tail + alpha > 0 ? 1 / (g.tail + alpha) : 0
    const c = g.values.map((e) => 1 / (e + alpha) - iso)
    const apply = (p: Float64Array, m: number) => {
      const out = new Float64Array(m * w)
      for (let i = 0; i < m; i++) for (let j = 0; j < w; j++) out[i * w + j] = c[j] * p[i * w + j]
      return out
    }
    return { iso, group, rows: g.rows, apply }
  }

  /** hₐ(x) = 1/nₐ + zᵀ(C + αI)⁻¹z per row and attribute: [n, k]. */
  async leverage(x: Matrix): Promise<Float64Array> {
    const n = x.rows
    const k = this.attributes
    const proj = await this.project(x)
    const h = new Float64Array(n * k)
    // Attributes of one pattern with the same α share the form (the dual's solve is the costly part).
    const shared = new Map<string, Float64Array>()
    for (let a = 0; a < k; a++) {
      const { iso, group, rows, apply } = this.quadratic(a)
      const { p, z2 } = proj[group]
      const key = `${group}:${this.spec.attributes[a].alpha}`
      const u = shared.get(key) ?? apply(p, n)
      shared.set(key, u)
      const w = this.loaded[group].width
      for (let i = 0; i < n; i++) {
        let q = iso * z2[i]
        for (let j = 0; j < w; j++) q += u[i * w + j] * p[i * w + j]
        h[i * k + a] = 1 / rows + Math.max(0, q)
      }
    }
    return h
  }

  /** The head's scores (kept) with their std and the merged reward's. */
  async predict(x: Matrix, weights: ArrayLike<number>, headScores?: Float64Array): Promise<UncertainPrediction> {
    const scoresStd = await this.attributeStd(x)
    const scores = headScores ?? new Float64Array(scoresStd.length)
    return { scores, scoresStd, rewardStd: mergedStd(scoresStd, weights, this.spec.correlation) }
  }

  /** Predictive std on the rating scale, σₐ·√(1 + hₐ(x)): [n, k]. */
  async attributeStd(x: Matrix): Promise<Float64Array> {
    const h = await this.leverage(x)
    const k = this.attributes
    for (let i = 0; i < h.length; i++) h[i] = this.spec.attributes[i % k].sigma * Math.sqrt(1 + h[i])
    return h
  }
}

/** A stored band B as the BandReduction the banded Cholesky reads (no Q: the basis is folded into Y). */
export function bandOnly(n: number, bandwidth: number, band: Float64Array): BandReduction {
  const none = async (): Promise<Float64Array> => {
    throw new Error('internal: a stored band has no basis')
  }
  return { n, bandwidth, band, toBasis: none, fromBasis: none }
}

/** A float64 array as two float32 arrays, hi + lo (≈ 48 bits). */
export function splitFloat32Pair(v: Float64Array): { hi: Float32Array; lo: Float32Array } {
  const hi = Float32Array.from(v)
  return { hi, lo: Float32Array.from(v, (x, i) => x - hi[i]) }
}

function joinFloat32Pair(hi: ArrayLike<number>, lo: ArrayLike<number>): Float64Array {
  return Float64Array.from(hi, (h, i) => h + lo[i])
}
