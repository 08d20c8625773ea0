/**
 * Finite-difference check of a head's backward pass through the full objective L_rating: for every
 * entry of every parameter, compares ∂L/∂θ from backward with a central difference of L_rating.
 * Parameters are float32, so the step actually taken is (θ+h)₃₂ - (θ-h)₃₂; the losses and the
 * quotient are float64. Used by the head tests; handy when writing a new head.
 *
 * @example
 *   const r = await gradientCheck(head, x, targets)
 *   r.worst   // { name: 'linear.weight', index: 3, analytic: 0.12, numeric: 0.1201 } (largest mismatch)
 */
import type { Matrix } from '../compute/matrix.ts'
import { Rng } from '../compute/rng.ts'
import { pointwiseRatingLoss } from '../objectives/rating.ts'
import type { Head } from './head.ts'

export interface GradientMismatch {
  name: string
  index: number
  analytic: number
  numeric: number
  /** |analytic - numeric| / (atol + rtol·|numeric|); ≤ 1 passes. */
  score: number
}

export interface GradientCheckOptions {
  /** Step h. Default 4e-3: large enough that float32 rounding of the outputs stays ~1e-5. */
  step?: number
  atol?: number
  rtol?: number
  /** Per-attribute loss weights. */
  weights?: number[]
  /** Seed of the dropout mask; when set, each forward pass trains with a fresh Rng(seed). */
  dropoutSeed?: number
}

export async function gradientCheck(
  head: Head,
  x: Matrix,
  targets: Float32Array,
  o: GradientCheckOptions = {},
): Promise<{ worst: GradientMismatch; checked: number }> {
  const h = o.step ?? 4e-3
  const atol = o.atol ?? 3e-4
  const rtol = o.rtol ?? 2e-3
  const k = head.spec.outputs
  const lossOpts = { attributes: k, weights: o.weights }
  const ctx = () => (o.dropoutSeed === undefined ? {} : { train: true, rng: new Rng(o.dropoutSeed) })
  const lossAt = async () => pointwiseRatingLoss(targets, (await head.forward(x, ctx())).out.data, lossOpts).value
  const f = await head.forward(x, ctx())
  const { grad } = pointwiseRatingLoss(targets, f.out.data, lossOpts)
  const grads = await f.backward({ rows: f.out.rows, cols: k, data: Float32Array.from(grad) })
  let worst: GradientMismatch = { name: '', index: -1, analytic: 0, numeric: 0, score: -1 }
  let checked = 0
  for (const [name, p] of Object.entries(head.params)) {
    const g = grads[name]
    if (!g || g.data.length !== p.data.length)
      throw new Error(`backward returned no gradient of the right size for ${name}`)
    for (let i = 0; i < p.data.length; i++) {
      const orig = p.data[i]
      p.data[i] = orig + h
      const up = p.data[i]
      const lUp = await lossAt()
      p.data[i] = orig - h
      const dn = p.data[i]
      const lDn = await lossAt()
      p.data[i] = orig
      const numeric = (lUp - lDn) / (up - dn)
      const analytic = g.data[i]
      const score = Math.abs(analytic - numeric) / (atol + rtol * Math.abs(numeric))
      checked++
      if (score > worst.score) worst = { name, index: i, analytic, numeric, score }
    }
  }
  return { worst, checked }
}
