/**
 * The exact fitter of L_BT for a linear head, as ridge is for L_rating: Newton's method with
 * conjugate-gradient steps (truncated Newton, scikit-learn's 'newton-cg') on the concave
 *
 *     F(w, b) = (1/n)·Σ [p·log σ(d) + (1-p)·log σ(-d)]  -  (η/n)·Σ s²  -  λ‖w‖²
 *     d = (x_c - x_r)·w - m,   s = (x_c + x_r)·w + 2b
 *     ∇_w F = (1/n)·Zᵀ(p - σ(d)) - (2η/n)·Uᵀs - 2λ·w        ∇_b F = -(4η/n)·Σ s
 *     -∇²F  = (1/n)·ZᵀDZ + (2η/n)·[U 2]ᵀ[U 2] + 2λ·I_w     D = diag(σ(d)·(1 - σ(d)))
 *
 * With float32 products (large problems) the search stops once a step's predicted decrease ½·gᵀΔ
 * is below what float32 resolves in f (1e-9·|f|): further steps would only chase rounding, and
 * each failed line search costs a pass over the pairs per halving.
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
import { logSigmoid, PAIR_LABEL_WIDTH, pairValidation, sigmoid } from '../objectives/bradley-terry.ts'

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
  maxIterations: 100,
} satisfies Omit<Required<BradleyTerryFitOptions>, 'validation'>
/** λ when there are no validation pairs to choose one from the grid. */
export const BRADLEY_TERRY_NO_VALIDATION_L2 = 1e-3

export interface BradleyTerryFit {
  /** A one-output linear head: 'linear.weight' [1, d], 'linear.bias' [1]. */
  params: ParamSet
  /** The λ used, and validation L_BT per λ of the grid (empty without validation). */
  l2: number
  grid: { l2: number; valLBT: number; valAccuracy: number }[]
  /** Newton iterations of the final fit, and its training F and largest gradient entry. */
  iterations: number
  /** Evaluations of F and its gradient (a pass over the pairs each) in the final fit, line searches included. */
  evaluations: number
  value: number
  gradientMax: number
}

/** The pairs as dense float64-accumulated matrices: Z = X_c - X_r, U = X_c + X_r (only with η > 0). */
interface PairMatrices {
  n: number
  d: number
  z: Float32Array
  u: Float32Array | null
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
  const data = await pairMatrices(train, o.center > 0)
  if (data.n === 0) throw new RewardfitError('no training pairs: give at least one (chosen, rejected) pair')
  const val = options.validation ? await pairMatrices(options.validation, false) : null
  // Without validation pairs nothing can choose from a grid: one λ, the given one or 1e-3.
  if (val === null && grid.length > 1) grid.splice(0, grid.length, BRADLEY_TERRY_NO_VALIDATION_L2)
  grid.sort((a, b) => b - a) // large λ first: each fit warm-starts the next
  let theta: Float64Array = new Float64Array(data.d + 1)
  let best: { l2: number; theta: Float64Array; score: number; result: NewtonResult } | null = null
  const scores: BradleyTerryFit['grid'] = []
  for (const l2 of grid) {
    const result = await newton(data, l2, o.center, theta, o.tolerance, o.maxIterations)
    theta = result.theta
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
    evaluations: b.result.evaluations,
    value: b.result.value,
    gradientMax: b.result.gradientMax,
  }
}

async function pairMatrices(source: BatchSource, withSums: boolean): Promise<PairMatrices> {
  if (source.attributes !== PAIR_LABEL_WIDTH) {
    throw new RewardfitError(
      `a pair source has ${PAIR_LABEL_WIDTH} label values per pair; this one has ${source.attributes}`,
    )
  }
  const n = source.rows
  const d = source.dim
  const z = new Float32Array(n * d)
  const u = withSums ? new Float32Array(n * d) : null
  const p = new Float64Array(n)
  const m = new Float64Array(n)
  for await (const b of source.chunks(4096)) {
    const rows = b.y.length / PAIR_LABEL_WIDTH
    const x = b.x.data
    // Flat index loops, no per-row views: this copy is a fifth of a large fit's time otherwise.
    for (let i = 0; i < rows; i++) {
      const e = b.start + i
      const c = 2 * i * d
      const out = e * d
      for (let j = 0; j < d; j++) z[out + j] = x[c + j] - x[c + d + j]
      if (u) for (let j = 0; j < d; j++) u[out + j] = x[c + j] + x[c + d + j]
      p[e] = b.y[2 * i]
      m[e] = b.y[2 * i + 1]
    }
  }
  return { n, d, z, u, p, m }
}

interface NewtonResult {
  theta: Float64Array
  iterations: number
  evaluations: number
  value: number
  gradientMax: number
}

/**
 * Products with the pair matrices, the only O(n·d) work: Z·v and Zᵀ·e (and U's). Small problems run
 * them in float64 TypeScript; large ones as float32 onnxruntime Gemm calls (several times faster;
 * the optimum then agrees to float32 rounding, and the search stops when f no longer decreases).
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
  const js = (m: Float32Array) => ({
    mv: async (v: Float64Array) => {
      const out = new Float64Array(n)
      for (let i = 0; i < n; i++) {
        let s = 0
        for (let j = 0; j < d; j++) s += m[i * d + j] * v[j]
        out[i] = s
      }
      return out
    },
    mtv: async (e: Float64Array) => {
      const out = new Float64Array(d)
      for (let i = 0; i < n; i++) {
        const c = e[i]
        for (let j = 0; j < d; j++) out[j] += c * m[i * d + j]
      }
      return out
    },
  })
  const ort = (m: Float32Array) => {
    const M = { rows: n, cols: d, data: m }
    return {
      mv: async (v: Float64Array) =>
        Float64Array.from((await gemm(M, { rows: d, cols: 1, data: Float32Array.from(v.subarray(0, d)) })).data),
      mtv: async (e: Float64Array) =>
        Float64Array.from((await gemm(M, { rows: n, cols: 1, data: Float32Array.from(e) }, { transA: true })).data),
    }
  }
  const f32 = n * d >= ORT_MIN_ENTRIES
  const pick = (m: Float32Array | null) => (m === null ? null : f32 ? ort(m) : js(m))
  const zz = pick(a.z)!
  const uu = pick(a.u)
  const none = async () => new Float64Array(0)
  return { z: zz.mv, zt: zz.mtv, u: uu ? uu.mv : none, ut: uu ? uu.mtv : none, f32 }
}

/** Minimizes f = -F over θ = [w, b] by truncated Newton with a backtracking (Armijo) line search. */
async function newton(
  a: PairMatrices,
  l2: number,
  eta: number,
  start: Float64Array,
  tolerance: number,
  maxIterations: number,
): Promise<NewtonResult> {
  const { d } = a
  const ops = products(a)
  let theta = start.slice()
  let state = await evaluate(a, ops, theta, l2, eta)
  let evaluations = 1
  let it = 0
  for (; it < maxIterations; it++) {
    const gMax = state.grad.reduce((mx, v) => Math.max(mx, Math.abs(v)), 0)
    if (gMax < tolerance) break
    // Solve H·Δ = g by conjugate gradients, to a forcing tolerance that tightens near the optimum.
    const g = state.grad
    const gNorm = Math.sqrt(dot(g, g))
    const weights = state.weights
    const step = await conjugateGradient(
      (v) => hessianTimes(a, ops, weights, v, l2, eta),
      g,
      Math.min(0.5, Math.sqrt(gNorm)) * gNorm,
      4 * (d + 1),
    )
    const slope = dot(g, step) // > 0: -step is a descent direction of f
    let t = 1
    let next = theta
    let nextState = state
    for (let k = 0; k < 40; k++) {
      next = theta.map((v, i) => v - t * step[i])
      nextState = await evaluate(a, ops, next, l2, eta)
      evaluations++
      if (nextState.f <= state.f - 1e-4 * t * slope || t < 1e-10) break
      t /= 2
    }
    if (!(nextState.f < state.f)) break // no further progress at this precision
    theta = next
    state = nextState
    // The step's predicted decrease is below what float32 products resolve in f: done.
    if (ops.f32 && 0.5 * t * slope < 1e-9 * Math.max(1, Math.abs(state.f))) {
      it++
      break
    }
  }
  if (eta === 0) theta[d] = 0 // the bias cancels in every pair
  return {
    theta,
    iterations: it,
    evaluations,
    value: -state.f,
    gradientMax: state.grad.reduce((mx, v) => Math.max(mx, Math.abs(v)), 0),
  }
}

/** f = -F, its gradient over θ = [w, b], and the Hessian weights σ(1-σ) per pair. */
async function evaluate(a: PairMatrices, ops: Products, theta: Float64Array, l2: number, eta: number) {
  const { n, d, p, m } = a
  const zw = await ops.z(theta)
  const weights = new Float64Array(n)
  const e = new Float64Array(n)
  let f = 0
  for (let i = 0; i < n; i++) {
    const di = zw[i] - m[i]
    f -= p[i] * logSigmoid(di) + (1 - p[i]) * logSigmoid(-di)
    const s = sigmoid(di)
    weights[i] = s * (1 - s)
    e[i] = (s - p[i]) / n // ∂f/∂d_i
  }
  const grad = new Float64Array(d + 1)
  grad.set(await ops.zt(e))
  if (a.u && eta > 0) {
    const uw = await ops.u(theta)
    const c = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const si = uw[i] + 2 * theta[d]
      f += eta * si * si
      c[i] = (2 * eta * si) / n
      grad[d] += 2 * c[i]
    }
    const ug = await ops.ut(c)
    for (let j = 0; j < d; j++) grad[j] += ug[j]
  }
  f /= n
  let w2 = 0
  for (let j = 0; j < d; j++) {
    w2 += theta[j] * theta[j]
    grad[j] += 2 * l2 * theta[j]
  }
  return { f: f + l2 * w2, grad, weights }
}

/** H·v with H = (1/n)·ZᵀDZ + (2η/n)·[U 2]ᵀ[U 2] + 2λ·I_w (bias row: only the centering term). */
async function hessianTimes(
  a: PairMatrices,
  ops: Products,
  dw: Float64Array,
  v: Float64Array,
  l2: number,
  eta: number,
): Promise<Float64Array> {
  const { n, d } = a
  const zv = await ops.z(v)
  for (let i = 0; i < n; i++) zv[i] *= dw[i] / n
  const out = new Float64Array(d + 1)
  out.set(await ops.zt(zv))
  if (a.u && eta > 0) {
    const uv = await ops.u(v)
    for (let i = 0; i < n; i++) uv[i] = (2 * eta * (uv[i] + 2 * v[d])) / n
    const ue = await ops.ut(uv)
    for (let j = 0; j < d; j++) out[j] += ue[j]
    for (let i = 0; i < n; i++) out[d] += 2 * uv[i]
  } else out[d] = v[d] // without centering the bias does not enter f: identity row and column
  for (let j = 0; j < d; j++) out[j] += 2 * l2 * v[j]
  return out
}

/** Solves H·x = g for symmetric positive definite H (given as a product) to ‖H·x - g‖ ≤ tol. */
async function conjugateGradient(
  times: (v: Float64Array) => Promise<Float64Array>,
  g: Float64Array,
  tol: number,
  maxSteps: number,
): Promise<Float64Array> {
  const x = new Float64Array(g.length)
  const r = g.slice()
  const q = r.slice()
  let rr = dot(r, r)
  for (let k = 0; k < maxSteps && Math.sqrt(rr) > tol; k++) {
    const hq = await times(q)
    const alpha = rr / dot(q, hq)
    for (let i = 0; i < x.length; i++) {
      x[i] += alpha * q[i]
      r[i] -= alpha * hq[i]
    }
    const rr2 = dot(r, r)
    const beta = rr2 / rr
    rr = rr2
    for (let i = 0; i < q.length; i++) q[i] = r[i] + beta * q[i]
  }
  return x
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i] * b[i]
  return s
}

/** Validation L_BT without the centering term (it depends on r_c + r_r, not on the ranking) and accuracy. */
function validationScore(val: PairMatrices, theta: Float64Array): { value: number; accuracy: number } {
  const { n, d, z, p, m } = val
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
