/**
 * The uncertainty of a deep ensemble: member 0 is the model's head (head.safetensors, so an older
 * rewardfit still loads a working single model); members 1..N−1 are stored in
 * uncertainty.safetensors as `member.M.NAME`. Each member maps its standardized outputs back to
 * ratings with its own target statistics (they differ with bootstrap resamples).
 *
 *     score_a = mean over members of score_a^m,    spread_a² = s_a²·(their sample variance)
 *     std_a²  = σₐ² + spread_a²                    (σₐ: the noise the spread cannot see)
 *     std_R²  = Σ_ab w_a·w_b·ρ_ab·σ_a·σ_b + s_R²·(variance over members of Σ_a w_a·score_a^m)
 *
 * Calibrated on validation by moments, so that std² matches the squared error r² = (y − score)² on
 * average: σₐ² = mean(r²) − mean(spread²) with s_a = 1 when that is ≥ 0; when the members already
 * disagree more than they err (a too-wide spread), σₐ = 0 and s_a² = mean(r²)/mean(spread²) < 1.
 * s_R is the reward's scale, the same rule on the merged reward's residuals (`spreadScale`; both
 * absent in older folders: 1). ρ is the correlation of the standardized residuals.
 *
 * @example
 *   const u = new EnsembleUncertainty(spec, params, config.head, head, config.targetStats)
 *   const { scores, scoresStd, rewardStd } = await u.predict(x, weights)
 */
import type { Matrix } from '../compute/matrix.ts'
import type { TargetStats } from '../core/targets.ts'
import type { ParamSet } from '../core/tensor.ts'
import type { Head } from '../heads/head.ts'
import type { HeadSpec } from '../heads/registry.ts'
import { headFromParams } from '../heads/registry.ts'

export interface EnsembleUncertaintySpec {
  type: 'ensemble'
  members: number
  bootstrap: boolean
  /** Target statistics of members 1..N−1 (member 0's are config.targetStats). */
  memberStats: TargetStats[][]
  /** Noise std per attribute on the rating scale, added to the members' spread. */
  sigma: number[]
  /** 'validation' when σ and ρ were measured there, else 'training'. */
  calibration: 'validation' | 'training'
  correlation: number[][]
  /** s_a per attribute (absent: 1), the spread's calibration scale. */
  attributeSpreadScale?: number[]
  /** s_R for the merged reward (absent: 1). */
  spreadScale?: number
}

export const memberTensor = (m: number, name: string) => `member.${m}.${name}`

export interface UncertainPrediction {
  /** [n, k] scores on the rating scale. */
  scores: Float64Array
  /** [n, k] their std. */
  scoresStd: Float64Array
  /** [n] the merged reward's std. */
  rewardStd: Float64Array
}

export class EnsembleUncertainty {
  readonly kind = 'ensemble'
  private readonly heads: Head[]
  private readonly stats: TargetStats[][]

  constructor(
    readonly spec: EnsembleUncertaintySpec,
    readonly params: ParamSet,
    headSpec: HeadSpec,
    head0: Head,
    stats0: TargetStats[],
  ) {
    this.heads = [head0]
    this.stats = [stats0, ...spec.memberStats]
    for (let m = 1; m < spec.members; m++) {
      const own: ParamSet = {}
      const prefix = memberTensor(m, '')
      for (const [name, t] of Object.entries(params)) if (name.startsWith(prefix)) own[name.slice(prefix.length)] = t
      this.heads.push(headFromParams(headSpec, own, `uncertainty.safetensors member ${m}`))
    }
  }

  /** Each member's scores on the rating scale: [members][n·k]. */
  async memberScores(x: Matrix): Promise<Float64Array[]> {
    const out: Float64Array[] = []
    for (let m = 0; m < this.heads.length; m++) {
      const o = await this.heads[m].predict(x)
      const st = this.stats[m]
      const k = st.length
      out.push(Float64Array.from(o.data, (v, i) => st[i % k].mean + st[i % k].std * v))
    }
    return out
  }

  /** `weights`: [k] for every row, or [n, k] row by row. */
  async predict(x: Matrix, weights: ArrayLike<number>): Promise<UncertainPrediction> {
    const all = await this.memberScores(x)
    const M = all.length
    const k = this.spec.sigma.length
    const n = x.rows
    const scores = new Float64Array(n * k)
    const scoresStd = new Float64Array(n * k)
    const rewardStd = new Float64Array(n)
    const { sigma, correlation } = this.spec
    const rowWise = weights.length === n * k && n > 1
    const scaleA = this.spec.attributeSpreadScale ?? new Array<number>(k).fill(1)
    const scaleR = this.spec.spreadScale ?? 1
    for (let i = 0; i < n; i++) {
      const w0 = rowWise ? i * k : 0
      const w = (a: number) => weights[w0 + a]
      let noise = 0
      for (let a = 0; a < k; a++) {
        let s = 0
        for (const p of all) s += p[i * k + a]
        const mean = s / M
        let v = 0
        for (const p of all) v += (p[i * k + a] - mean) ** 2
        scores[i * k + a] = mean
        scoresStd[i * k + a] = Math.sqrt(sigma[a] ** 2 + (M > 1 ? (scaleA[a] ** 2 * v) / (M - 1) : 0))
        for (let b = 0; b < k; b++) noise += w(a) * w(b) * correlation[a][b] * sigma[a] * sigma[b]
      }
      const r = all.map((p) => {
        let t = 0
        for (let a = 0; a < k; a++) t += w(a) * p[i * k + a]
        return t
      })
      const rm = r.reduce((t, v) => t + v, 0) / M
      const spread = M > 1 ? (scaleR ** 2 * r.reduce((t, v) => t + (v - rm) ** 2, 0)) / (M - 1) : 0
      rewardStd[i] = Math.sqrt(Math.max(0, noise) + spread)
    }
    return { scores, scoresStd, rewardStd }
  }

  async attributeStd(x: Matrix): Promise<Float64Array> {
    return (await this.predict(x, new Float64Array(this.spec.sigma.length))).scoresStd
  }
}
