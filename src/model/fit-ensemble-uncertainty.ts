/**
 * Builds an ensemble's uncertainty (ensemble-uncertainty.ts) from its trained members: members
 * 1..N−1 go into the tensors, then σ and ρ are measured on `residuals` (validation, else training).
 *
 * @example
 *   const { members } = await trainEnsemble(data, { head: 'mlp', members: 5 })
 *   const u = await fitEnsembleUncertainty(members, valSource, 'validation')
 */
import type { BatchSource } from '../core/batch-source.ts'
import type { TargetStats } from '../core/targets.ts'
import type { ParamSet } from '../core/tensor.ts'
import type { Head } from '../heads/head.ts'
import type { HeadSpec } from '../heads/registry.ts'
import { EnsembleUncertainty, type EnsembleUncertaintySpec, memberTensor } from './ensemble-uncertainty.ts'

export async function fitEnsembleUncertainty(
  members: { head: Head; targetStats: TargetStats[] }[],
  options: {
    bootstrap: boolean
    residuals: BatchSource
    calibration: 'validation' | 'training'
    /** The merge's attribute weights, for the reward's spread scale; default 1/k each. */
    weights?: number[]
  },
): Promise<EnsembleUncertainty> {
  const k = members[0].targetStats.length
  const params: ParamSet = {}
  members.slice(1).forEach((m, i) => {
    for (const [name, t] of Object.entries(m.head.params)) {
      params[memberTensor(i + 1, name)] = { shape: [...t.shape], data: Float32Array.from(t.data) }
    }
  })
  const identity = Array.from({ length: k }, (_, a) => Array.from({ length: k }, (_, b) => (a === b ? 1 : 0)))
  const spec: EnsembleUncertaintySpec = {
    type: 'ensemble',
    members: members.length,
    bootstrap: options.bootstrap,
    memberStats: members.slice(1).map((m) => m.targetStats),
    sigma: new Array(k).fill(0),
    calibration: options.calibration,
    correlation: identity,
  }
  const head0 = members[0].head
  const probe = new EnsembleUncertainty(spec, params, head0.spec as HeadSpec, head0, members[0].targetStats)
  // Moments over the labelled rows: Σr², Σspread², and for ρ the products of r/√(spread² + σ²) later.
  const r2 = new Float64Array(k)
  const s2 = new Float64Array(k)
  const n = new Float64Array(k)
  const weights = options.weights ?? new Array<number>(k).fill(1 / k)
  // The merged reward's moments, over rows with every label.
  let rr2 = 0
  let rs2 = 0
  let rn = 0
  const kept: { r: Float64Array; s2: Float64Array }[] = []
  for await (const b of options.residuals.chunks(2048)) {
    const p = await probe.predict(b.x, weights)
    const r = new Float64Array(b.x.rows * k)
    const sp = new Float64Array(b.x.rows * k)
    for (let i = 0; i < r.length; i++) {
      r[i] = b.y[i] - p.scores[i]
      sp[i] = p.scoresStd[i] ** 2 // σ = 0 in the probe: the spread alone
      if (Number.isNaN(r[i])) continue
      r2[i % k] += r[i] ** 2
      s2[i % k] += sp[i]
      n[i % k]++
    }
    for (let i = 0; i < b.x.rows; i++) {
      let e = 0
      for (let a = 0; a < k; a++) e += weights[a] * r[i * k + a]
      if (Number.isNaN(e)) continue
      rr2 += e * e
      rs2 += p.rewardStd[i] ** 2
      rn++
    }
    kept.push({ r, s2: sp })
  }
  // Moments: σ² = mean r² − mean spread² when that is ≥ 0, else σ = 0 and the spread shrinks to fit.
  const calibrate = (r2a: number, s2a: number) => {
    if (!(s2a > 0) || r2a >= s2a) return { sigma: Math.sqrt(Math.max(0, r2a - s2a)), scale: 1 }
    return { sigma: 0, scale: Math.sqrt(r2a / s2a) }
  }
  const fits = Array.from({ length: k }, (_, a) => (n[a] > 0 ? calibrate(r2[a] / n[a], s2[a] / n[a]) : null))
  spec.sigma = fits.map((f) => f?.sigma ?? 0)
  spec.attributeSpreadScale = fits.map((f) => f?.scale ?? 1)
  for (const { s2: sp } of kept) for (let i = 0; i < sp.length; i++) sp[i] *= spec.attributeSpreadScale[i % k] ** 2
  const sum = new Float64Array(k * k)
  const sq = new Float64Array(k * k)
  const cnt = new Float64Array(k * k)
  for (const { r, s2: sp } of kept) {
    for (let i = 0; i < r.length / k; i++) {
      for (let a = 0; a < k; a++) {
        const ua = r[i * k + a] / Math.sqrt(sp[i * k + a] + spec.sigma[a] ** 2 || 1)
        if (Number.isNaN(ua)) continue
        for (let b = 0; b < k; b++) {
          const ub = r[i * k + b] / Math.sqrt(sp[i * k + b] + spec.sigma[b] ** 2 || 1)
          if (Number.isNaN(ub)) continue
          sum[a * k + b] += ua * ub
          sq[a * k + b] += ua * ua
          cnt[a * k + b]++
        }
      }
    }
  }
  spec.correlation = identity.map((row, a) =>
    row.map((v, b) => {
      if (a === b || cnt[a * k + b] < 3) return v
      const den = Math.sqrt(sq[a * k + b] * sq[b * k + a])
      return den > 0 ? sum[a * k + b] / den : 0
    }),
  )
  // The reward's spread scale, given σ and ρ: its noise Σ w_a·w_b·ρ_ab·σ_a·σ_b plus s_R²·spread² should
  // match its mean squared error.
  if (rn > 0) {
    let noise = 0
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++)
        noise += weights[a] * weights[b] * spec.correlation[a][b] * spec.sigma[a] * spec.sigma[b]
    }
    const spread = rs2 / rn
    const gap = rr2 / rn - Math.max(0, noise)
    spec.spreadScale = spread > 0 ? Math.sqrt(Math.max(0, gap) / spread) : 1
  }
  return new EnsembleUncertainty(spec, params, head0.spec as HeadSpec, head0, members[0].targetStats)
}
