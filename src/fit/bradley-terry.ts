/**
 * The exact fitter of L_BT for a linear head, as ridge is for L_rating: L-BFGS (scikit-learn's
 * default solver for LogisticRegression) with an exact line search, on the concave
 *
 *     F(w, b) = (1/n)·Σ [p·log σ(d) + (1-p)·log σ(-d)]  -  (η/n)·Σ s²  -  λ‖w‖²
 *     d = (x_c - x_r)·w - m,   s = (x_c + x_r)·w + 2b
 *     ∇_w F = (1/n)·Zᵀ(p - σ(d)) - (2η/n)·Uᵀs - 2λ·w        ∇_b F = -(4η/n)·Σ s
 *
 * The pair matrices Z = X_c - X_r and U = X_c + X_r are the only O(n·d) data, and a pass over them
 * is memory-bound (about 4 ms for 100 MB here). F depends on θ only through Z·w and U·w, linear in
 * θ, so the solver keeps those products: one pass per iteration gives Z·q for the new direction q,
 * after which the line search (Newton on φ(t) = F(θ + t·q), bracketed) costs O(n) per trial, and one
 * more pass gives the gradient: two passes an iteration (four with centering), against about six
 * for Newton-CG. A large in-memory source is read in place rather than copied into Z and U.
 *
 * With float32 products (large problems) the search stops once an iteration decreases f by less
 * than float32 resolves in it (1e-9·|f|): further steps would only chase rounding.
 *
 * -F is strictly convex for λ > 0, so this is the unique optimum, the one scikit-learn's
 * LogisticRegression(fit_intercept=False, C = 1/(2λn)) finds on the differences (the test pins it
 * within 1e-4). Without centering (η = 0) the bias cancels in every d and stays 0. λ is chosen on
 * validation L_BT from a grid (warm-started from large λ to small), as ridge chooses α.
 *
 * @example
 *   const fit = await fitBradleyTerry(pairSource(trainStore), { validation: pairSource(valStore) })
 *   fit.params['linear.weight']   // { shape: [1, d] }: the reward r = w·x + b, on a log-odds scale
 *   fit.l2                        // the λ chosen
 */
import { gemm } from '../compute/matmul.ts'
import type { BatchSource } from '../core/batch-source.ts'
import type { ParamSet } from '../core/tensor.ts'
import { OptionError, RewardfitError } from '../errors.ts'
import { PAIR_LABEL_WIDTH, pairValidation } from '../objectives/bradley-terry.ts'

export interface BradleyTerryFitOptions {
  /** λ, the L2 strength, or a grid to choose from on validation L_BT. Each > 0. */
  l2?: number | number[]
  /** η ≥ 0, reward centering (as in the objective). */
  center?: number
  /** Stop when the largest gradient entry is below this. */
  tolerance?: number
  maxIterations?: number
  /** Pairs to choose λ on (labels [p, m] per pair, like the training pairs). */
  validation?: BatchSource
}

export const BRADLEY_TERRY_FIT_DEFAULTS = {
  l2: [1e-1, 3e-2, 1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5],
  center: 0,
  tolerance: 1e-9,
  maxIterations: 1000,
} satisfies Omit<Required<BradleyTerryFitOptions>, 'validation'>
/** λ when there are no validation pairs to choose one from the grid. */
export const BRADLEY_TERRY_NO_VALIDATION_L2 = 1e-3

export interface BradleyTerryFit {
  /** A one-output linear head: 'linear.weight' [1, d], 'linear.bias' [1]. */
  params: ParamSet
  /** The λ used, and validation L_BT per λ of the grid (empty without validation). */
  l2: number
  grid: { l2: number; valLBT: number; valAccuracy: number }[]
  /** L-BFGS iterations of the final fit, and its training F and largest gradient entry. */
  iterations: number
  /** Products with the pair matrices (a pass over the pairs each) in the final fit, line searches included. */
  passes: number
  value: number
  gradientMax: number
}

/**
 * The pairs for the products: Z = X_c - X_r and U = X_c + X_r (U only with η > 0) built as dense
 * matrices, or, for a large in-memory source, its own rows [x_c | x_r] (n × 2d) read in place.
 * In place, a pass reads twice the bytes (8 ms against 4 here) but nothing is copied: building Z
 * costs a pass and 100 MB of fresh pages, which take 260 ms to fault in on this VM without huge pages.
 */
export interface PairMatrices {
  n: number
  d: number
  z: Float32Array | null
  u: Float32Array | null
  /** The source's rows, pair i as [x_c | x_r] at i·2d, when used in place (z and u are then null). */
  rows: Float32Array | null
  /** U products are wanted (centering). */
  sums: boolean
  p: Float64Array
  m: Float64Array
}

export async function fitBradleyTerry(
  train: BatchSource,
  options: BradleyTerryFitOptions = {},
): Promise<BradleyTerryFit> {
  const o = {
    ...BRADLEY_TERRY_FIT_DEFAULTS,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  }
  const grid = typeof o.l2 === 'number' ? [o.l2] : [...o.l2]
  if (grid.length === 0 || !grid.every((l) => l > 0 && Number.isFinite(l))) {
    throw new OptionError('l2', o.l2, 'a number > 0 or a non-empty list of them')
  }
  if (!(o.center >= 0) || !Number.isFinite(o.center)) throw new OptionError('center', o.center, 'a finite number >= 0')
  const data = await pairMatrices(train, o.center > 0, true)
  if (data.n === 0) throw new RewardfitError('no training pairs: give at least one (chosen, rejected) pair')
  const val = options.validation ? await pairMatrices(options.validation, false, false) : null
  // Without validation pairs nothing can choose from a grid: one λ, the given one or 1e-3.
  if (val === null && grid.length > 1) grid.splice(0, grid.length, BRADLEY_TERRY_NO_VALIDATION_L2)
  grid.sort((a, b) => b - a) // large λ first: each fit warm-starts the next
  const ops = products(data)
  let point: Point = { theta: new Float64Array(data.d + 1), zw: new Float64Array(data.n), sw: null }
  let best: { l2: number; theta: Float64Array; score: number; result: SolveResult } | null = null
  const scores: BradleyTerryFit['grid'] = []
  for (const l2 of grid) {
    const result = await lbfgs(data, ops, l2, o.center, point, o.tolerance, o.maxIterations)
    point = result.point
    const theta = result.theta
    const score = val ? validationScore(val, theta) : null
    if (score) scores.push({ l2, valLBT: score.value, valAccuracy: score.accuracy })
    if (best === null || (score !== null && score.value > best.score)) {
      best = { l2, theta: theta.slice(), score: score?.value ?? Number.NaN, result }
    }
  }
  const b = best!
  return {
    params: {
      'linear.weight': { shape: [1, data.d], data: Float32Array.from(b.theta.subarray(0, data.d)) },
      'linear.bias': { shape: [1], data: Float32Array.of(b.theta[data.d]) },
    },
    l2: b.l2,
    grid: scores,
    iterations: b.result.iterations,
    passes: b.result.passes,
    value: b.result.value,
    gradientMax: b.result.gradientMax,
  }
}

async function pairMatrices(source: BatchSource, withSums: boolean, inPlace: boolean): Promise<PairMatrices> {
  if (source.attributes !== PAIR_LABEL_WIDTH) {
    throw new RewardfitError(
      `a pair source has ${PAIR_LABEL_WIDTH} label values per pair; this one has ${source.attributes}`,
    )
  }
  const n = source.rows
  const d = source.dim
  const own = source.inMemory
  if (inPlace && own && own.x.data instanceof Float32Array && own.x.rows === 2 * n && n * d >= ORT_MIN_ENTRIES) {
    const y = own.y
    const p = Float64Array.from({ length: n }, (_, i) => y[2 * i])
    const m = Float64Array.from({ length: n }, (_, i) => y[2 * i + 1])
    return { n, d, z: null, u: null, rows: own.x.data.subarray(0, 2 * n * d), sums: withSums, p, m }
  }
  const z = new Float32Array(n * d)
  const u = withSums ? new Float32Array(n * d) : null
  const p = new Float64Array(n)
  const m = new Float64Array(n)
  for await (const b of source.chunks(4096)) {
    const rows = b.y.length / PAIR_LABEL_WIDTH
    const x = b.x.data
    // One running output index and no per-row views: this copy is a large share of a fit otherwise.
    let o = b.start * d
    for (let i = 0; i < rows; i++) {
      const end = 2 * i * d + d
      if (u) for (let c = 2 * i * d, k = o; c < end; c++) u[k++] = x[c] + x[c + d]
      for (let c = 2 * i * d; c < end; c++) z[o++] = x[c] - x[c + d]
      p[b.start + i] = b.y[2 * i]
      m[b.start + i] = b.y[2 * i + 1]
    }
  }
  return { n, d, z, u, rows: null, sums: withSums, p, m }
}

interface SolveResult {
  theta: Float64Array
  iterations: number
  passes: number
  value: number
  gradientMax: number
}

/**
 * Products with the pair matrices, the only O(n·d) work: Z·v and Zᵀ·e (and U's). Small problems run
 * them in float64 TypeScript; large ones as float32 onnxruntime Gemm calls (several times faster;
 * the optimum then agrees to float32 rounding). Each product returns the same buffer every call,
 * valid until the next call of that product: n-sized arrays are costly to allocate afresh (a new
 * page costs ~10 µs to fault in on this VM, 0.6 ms per 256 KB array).
 */
interface Products {
  z: (v: Float64Array) => Promise<Float64Array>
  zt: (e: Float64Array) => Promise<Float64Array>
  u: (v: Float64Array) => Promise<Float64Array>
  ut: (e: Float64Array) => Promise<Float64Array>
  /** float32 products (onnxruntime): f is resolved to about 1e-9 relative, not 1e-16. */
  f32: boolean
}

/** Above this many matrix entries the products run on onnxruntime. */
const ORT_MIN_ENTRIES = 1 << 20

function products(a: PairMatrices): Products {
  const { n, d } = a
  const js = (m: Float32Array) => {
    const out = new Float64Array(n)
    const outT = new Float64Array(d)
    return {
      mv: async (v: Float64Array) => {
        for (let i = 0; i < n; i++) {
          let s = 0
          for (let j = 0; j < d; j++) s += m[i * d + j] * v[j]
          out[i] = s
        }
        return out
      },
      mtv: async (e: Float64Array) => {
        outT.fill(0)
        for (let i = 0; i < n; i++) {
          const c = e[i]
          for (let j = 0; j < d; j++) outT[j] += c * m[i * d + j]
        }
        return outT
      },
    }
  }
  if (a.rows) return inPlace(a.rows, n, d)
  const f32 = n * d >= ORT_MIN_ENTRIES
  const pick = (m: Float32Array | null) => (m === null ? null : f32 ? ortProducts(m, n, d) : js(m))
  const zz = pick(a.z)!
  const uu = pick(a.u)
  const none = async () => new Float64Array(0)
  return { z: zz.mv, zt: zz.mtv, u: uu ? uu.mv : none, ut: uu ? uu.mtv : none, f32 }
}

/**
 * Float32 onnxruntime products with an n × cols matrix: M·v (v's first cols entries) and Mᵀ·e, in
 * float64 buffers reused across calls.
 */
function ortProducts(data: Float32Array, n: number, cols: number) {
  const M = { rows: n, cols, data }
  const v32 = new Float32Array(cols)
  const e32 = new Float32Array(n)
  const out = new Float64Array(n)
  const outT = new Float64Array(cols)
  return {
    mv: async (v: Float64Array) => {
      for (let j = 0; j < cols; j++) v32[j] = v[j]
      out.set((await gemm(M, { rows: cols, cols: 1, data: v32 })).data)
      return out
    },
    mtv: async (e: Float64Array) => {
      e32.set(e)
      outT.set((await gemm(M, { rows: n, cols: 1, data: e32 }, { transA: true })).data)
      return outT
    },
  }
}

/** Products from the rows [x_c | x_r] in place: Z·v = X·[v; -v], U·v = X·[v; v], Zᵀe and Uᵀe from halves of Xᵀe. */
function inPlace(rows: Float32Array, n: number, d: number): Products {
  const x = ortProducts(rows, n, 2 * d)
  const v2 = new Float64Array(2 * d)
  // Each product its own output (the solver holds Z·q and U·q at once).
  const mv = (sign: number) => {
    const out = new Float64Array(n)
    return async (v: Float64Array) => {
      for (let j = 0; j < d; j++) {
        v2[j] = v[j]
        v2[d + j] = sign * v[j]
      }
      out.set(await x.mv(v2))
      return out
    }
  }
  const mtv = (sign: number) => {
    const out = new Float64Array(d)
    return async (e: Float64Array) => {
      const both = await x.mtv(e)
      for (let j = 0; j < d; j++) out[j] = both[j] + sign * both[d + j]
      return out
    }
  }
  return { z: mv(-1), zt: mtv(-1), u: mv(1), ut: mtv(1), f32: true }
}

/** θ = [w, b] with its products Z·w and U·w + 2b (float64), so a warm start needs no pass. */
interface Point {
  theta: Float64Array
  zw: Float64Array
  sw: Float64Array | null
}

/** Pairs of (step, gradient change) L-BFGS keeps: vectors of length d, cheap beside a pass. */
const LBFGS_MEMORY = 20

/**
 * Minimizes f = -F over θ = [w, b] by L-BFGS with an exact line search. f depends on θ only
 * through Z·w and U·w + 2b, which are linear in θ: along a direction q, Z·(w + t·q) = Z·w + t·Z·q.
 * So each iteration makes one product for the direction (Z·q) and one for the gradient (Zᵀ·e),
 * and every line-search trial is O(n) arithmetic on cached vectors, never a pass over the pairs.
 */
async function lbfgs(
  a: PairMatrices,
  ops: Products,
  l2: number,
  eta: number,
  start: Point,
  tolerance: number,
  maxIterations: number,
): Promise<SolveResult & { point: Point }> {
  const { n, d } = a
  const centered = a.sums && eta > 0
  const theta = start.theta.slice()
  const zw = start.zw.slice()
  const sw = centered ? (start.sw?.slice() ?? new Float64Array(n)) : null
  let passes = 0
  const e = new Float64Array(n) // ∂f/∂d_i at the current point
  const c = new Float64Array(centered ? n : 0) // ∂f/∂s_i
  // The gradient at the current point from e = ∂f/∂d there (the accepted line-search trial wrote it).
  const gradientAt = async (): Promise<Float64Array> => {
    const g = new Float64Array(d + 1)
    g.set(await ops.zt(e))
    passes++
    if (centered && sw) {
      for (let i = 0; i < n; i++) {
        c[i] = (2 * eta * sw[i]) / n
        g[d] += 2 * c[i]
      }
      const uc = await ops.ut(c)
      passes++
      for (let j = 0; j < d; j++) g[j] += uc[j]
    }
    for (let j = 0; j < d; j++) g[j] += 2 * l2 * theta[j]
    return g
  }
  // f at the start point (and e there, for the first gradient).
  const valueAt = (): number => {
    let f = lineValues(a, zw, null, 0, e).f
    if (sw) f += (eta / n) * dot(sw, sw)
    let w2 = 0
    for (let j = 0; j < d; j++) w2 += theta[j] * theta[j]
    return f + l2 * w2
  }
  let f = valueAt()
  let g = await gradientAt()
  const S: Float64Array[] = []
  const Y: Float64Array[] = []
  let it = 0
  for (; it < maxIterations; it++) {
    if (maxAbs(g) < tolerance) break
    let q = direction(g, S, Y)
    let slope = dot(g, q)
    if (!(slope < 0)) {
      // Not a descent direction (curvature pairs gone stale): restart from steepest descent.
      S.length = 0
      Y.length = 0
      q = g.map((v) => -v)
      slope = dot(g, q)
    }
    if (!centered) q[d] = 0 // the bias cancels in every pair
    const qw = q.subarray(0, d)
    const zq = await ops.z(q)
    passes++
    let sq: Float64Array | null = null
    if (centered) {
      sq = await ops.u(q)
      passes++
      for (let i = 0; i < n; i++) sq[i] += 2 * q[d]
    }
    // φ(t) = f(θ + t·q): the pair term from cached products, the rest closed-form in t.
    const w = theta.subarray(0, d)
    const [ww, wq, qq] = [dot(w, w), dot(w, qw), dot(qw, qw)]
    const [s0, sq1, sq2] = sw && sq ? [dot(sw, sw), dot(sw, sq), dot(sq, sq)] : [0, 0, 0]
    const phi = (t: number) => {
      const r = lineValues(a, zw, zq, t, e)
      return {
        f: r.f + (eta / n) * (s0 + 2 * t * sq1 + t * t * sq2) + l2 * (ww + 2 * t * wq + t * t * qq),
        d1: r.d1 + (2 * eta * (sq1 + t * sq2)) / n + 2 * l2 * (wq + t * qq),
        d2: r.d2 + (2 * eta * sq2) / n + 2 * l2 * qq,
      }
    }
    const { t, f: fNext } = lineSearch(phi, f, slope, it === 0 ? null : 1)
    if (t === 0) break // no further progress at this precision
    for (let j = 0; j <= d; j++) theta[j] += t * q[j]
    for (let i = 0; i < n; i++) zw[i] += t * zq[i]
    if (sw && sq) for (let i = 0; i < n; i++) sw[i] += t * sq[i]
    const decrease = f - fNext
    f = fNext
    const g2 = await gradientAt()
    const s = q.map((v) => t * v)
    const y = g2.map((v, j) => v - g[j])
    if (dot(s, y) > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      S.push(s)
      Y.push(y)
      if (S.length > LBFGS_MEMORY) {
        S.shift()
        Y.shift()
      }
    }
    g = g2
    // The decrease is below what float32 products resolve in f: further steps chase rounding.
    if (ops.f32 && decrease < 1e-9 * Math.max(1, Math.abs(f))) {
      it++
      break
    }
  }
  if (!centered) theta[d] = 0
  return {
    theta,
    iterations: it,
    passes,
    value: -f,
    gradientMax: maxAbs(g),
    point: { theta: theta.slice(), zw, sw },
  }
}

/**
 * The pair term of f along a line, (1/n)·Σ [-p·log σ(d) - (1-p)·log σ(-d)] with d = zw + t·zq - m,
 * and its first two derivatives in t. With `e`, also stores ∂f/∂d_i = (σ(d_i) - p_i)/n.
 */
export function lineValues(
  a: Pick<PairMatrices, 'n' | 'p' | 'm'>,
  zw: Float64Array,
  zq: Float64Array | null,
  t: number,
  e: Float64Array | null,
): { f: number; d1: number; d2: number } {
  const { n, p, m } = a
  let f = 0
  let d1 = 0
  let d2 = 0
  for (let i = 0; i < n; i++) {
    const q = zq === null ? 0 : zq[i]
    const di = zw[i] + t * q - m[i]
    // log σ(d) = -softplus(-d); one exp serves both logs and σ.
    const ex = Math.exp(-Math.abs(di))
    const l1p = Math.log1p(ex)
    const lsPos = -(Math.max(-di, 0) + l1p) // log σ(d)
    const lsNeg = -(Math.max(di, 0) + l1p) // log σ(-d)
    const s = di >= 0 ? 1 / (1 + ex) : ex / (1 + ex)
    f -= p[i] * lsPos + (1 - p[i]) * lsNeg
    d1 += (s - p[i]) * q
    d2 += s * (1 - s) * q * q
    if (e) e[i] = (s - p[i]) / n
  }
  return { f: f / n, d1: d1 / n, d2: d2 / n }
}

/**
 * A near-exact minimum of the convex φ along a descent direction (φ'(0) < 0): safeguarded Newton
 * steps on φ' inside a bracket, until the strong Wolfe conditions hold with c₂ = 0.1. Each trial is
 * O(n). Near the optimum f changes by less than its float64 rounding; a step that keeps f within
 * that rounding and shrinks |φ'| still counts, so the gradient can reach tolerances f cannot see.
 * `first` is the first trial step; null starts from the Newton step at t = 0. Returns the step
 * and φ there (t = 0 if no step is acceptable); the accepted trial is the last φ evaluated.
 */
function lineSearch(
  phi: (t: number) => { f: number; d1: number; d2: number },
  f0: number,
  slope0: number,
  first: number | null,
): { t: number; f: number } {
  const rounding = 1e-14 * Math.max(1, Math.abs(f0))
  let lo = 0
  let hi = Number.POSITIVE_INFINITY
  let t = first ?? -slope0 / Math.max(phi(0).d2, 1e-300)
  for (let k = 0; k < 40; k++) {
    const r = phi(t)
    const decreases = r.f <= f0 + 1e-4 * t * slope0 || r.f <= f0 + rounding
    if (decreases && Math.abs(r.d1) <= 0.1 * Math.abs(slope0)) return { t, f: r.f }
    if (r.d1 < 0) lo = t
    else hi = t
    // Newton on φ'; outside the bracket (or without curvature), bisect or expand.
    let next = r.d2 > 0 ? t - r.d1 / r.d2 : Number.NaN
    if (!(next > lo && next < hi)) next = Number.isFinite(hi) ? (lo + hi) / 2 : 2 * t
    if (next === t) break
    t = next
  }
  return { t: 0, f: f0 }
}

/** L-BFGS two-loop recursion: -H·g with H from the stored (step, gradient change) pairs. */
function direction(g: Float64Array, S: Float64Array[], Y: Float64Array[]): Float64Array {
  const q = g.slice()
  const alpha = new Float64Array(S.length)
  for (let k = S.length - 1; k >= 0; k--) {
    alpha[k] = dot(S[k], q) / dot(Y[k], S[k])
    for (let j = 0; j < q.length; j++) q[j] -= alpha[k] * Y[k][j]
  }
  const last = S.length - 1
  const gamma = last >= 0 ? dot(S[last], Y[last]) / dot(Y[last], Y[last]) : 1
  for (let j = 0; j < q.length; j++) q[j] *= gamma
  for (let k = 0; k < S.length; k++) {
    const beta = dot(Y[k], q) / dot(Y[k], S[k])
    for (let j = 0; j < q.length; j++) q[j] += (alpha[k] - beta) * S[k][j]
  }
  for (let j = 0; j < q.length; j++) q[j] = -q[j]
  return q
}

function maxAbs(v: Float64Array): number {
  let mx = 0
  for (let i = 0; i < v.length; i++) mx = Math.max(mx, Math.abs(v[i]))
  return mx
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i] * b[i]
  return s
}

/** Validation L_BT without the centering term (it depends on r_c + r_r, not on the ranking) and accuracy. */
function validationScore(val: PairMatrices, theta: Float64Array): { value: number; accuracy: number } {
  const { n, d, p, m } = val
  const z = val.z
  if (z === null) throw new Error('validation pairs are built as differences, never in place')
  const acc = pairValidation(0)
  const out = new Float32Array(2 * n)
  const y = new Float32Array(2 * n)
  for (let i = 0; i < n; i++) {
    let diff = 0
    for (let j = 0; j < d; j++) diff += z[i * d + j] * theta[j]
    // Without centering only r_c - r_r matters: the rewards are placed as (diff, 0).
    out[2 * i] = diff
    out[2 * i + 1] = 0
    y[2 * i] = p[i]
    y[2 * i + 1] = m[i]
  }
  acc.add(y, out)
  const r = acc.result()
  return { value: r.value, accuracy: r.metrics.accuracy as number }
}
