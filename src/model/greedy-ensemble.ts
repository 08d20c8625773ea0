/**
 * Batch-aware selection for an ensemble (`select --strategy greedy`): the members' merged rewards
 * on the pool are taken as samples of a Gaussian posterior over the pool's rewards,
 *
 *     C_ij = s²/(M − 1) · Σ_m e_m(i)·e_m(j),   e_m(i) = r_m(i) − r̄(i),   r_m = Σ_a w_a·score_a^m
 *
 * (s: the spread's calibration scale, 1 when none), and rating row * with noise σ²_R (the merged
 * reward's noise, Σ w_a·w_b·ρ_ab·σ_a·σ_b) conditions it by rank one: C ← C − C[:,*]·C[*,:]/(C** + σ²_R).
 * Since C = E·S·Eᵀ with E the [n, M] deviations, the update is kept in member space (S is M×M):
 *
 *     v = S·e*,   S ← S − v·vᵀ/(e*ᵀ·v + σ²_R),   C_ii ← C_ii − (eᵢ·v)²/(e*ᵀ·v + σ²_R)
 *
 * so each pick costs O(n·M + M²): O(pool·budget·members) in all, never pool². A row that repeats an
 * earlier pick has the same deviations, so its variance falls with the pick's (as for ridge).
 *
 * @example
 *   const picks = await greedyEnsemble(model.uncertainty, weights, x, 50)
 */
import type { Matrix } from '../compute/matrix.ts'
import type { EnsembleUncertainty } from './ensemble-uncertainty.ts'
import type { Pick } from './pick.ts'

export async function greedyEnsemble(
  u: EnsembleUncertainty,
  weights: number[],
  x: Matrix,
  take: number,
  before: Float64Array,
): Promise<Pick[]> {
  const n = x.rows
  const all = await u.memberScores(x)
  const M = all.length
  const k = u.spec.sigma.length
  const { sigma, correlation } = u.spec
  const scale2 = (u.spec.spreadScale ?? 1) ** 2
  let noise = 0
  for (let a = 0; a < k; a++)
    for (let b = 0; b < k; b++) noise += weights[a] * weights[b] * correlation[a][b] * sigma[a] * sigma[b]
  noise = Math.max(0, noise)
  // E [n, M]: deviations of the merged reward from the members' mean.
  const E = new Float64Array(n * M)
  for (let i = 0; i < n; i++) {
    let mean = 0
    for (let m = 0; m < M; m++) {
      let r = 0
      for (let a = 0; a < k; a++) r += weights[a] * all[m][i * k + a]
      E[i * M + m] = r
      mean += r / M
    }
    for (let m = 0; m < M; m++) E[i * M + m] -= mean
  }
  // S = s²/(M − 1)·I to start; var[i] = eᵢᵀ·S·eᵢ.
  const S = new Float64Array(M * M)
  const s0 = M > 1 ? scale2 / (M - 1) : 0
  for (let m = 0; m < M; m++) S[m * M + m] = s0
  const variance = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    let v = 0
    for (let m = 0; m < M; m++) v += E[i * M + m] ** 2
    variance[i] = v * s0
  }
  const taken = new Uint8Array(n)
  const picks: Pick[] = []
  const v = new Float64Array(M)
  for (let t = 0; t < take; t++) {
    let best = -1
    for (let i = 0; i < n; i++) if (!taken[i] && (best < 0 || variance[i] > variance[best])) best = i
    picks.push({ row: best, order: t, std: Math.sqrt(noise + Math.max(0, variance[best])), stdBefore: before[best] })
    taken[best] = 1
    if (t === take - 1) break
    for (let p = 0; p < M; p++) {
      let s = 0
      for (let q = 0; q < M; q++) s += S[p * M + q] * E[best * M + q]
      v[p] = s
    }
    let den = noise
    for (let m = 0; m < M; m++) den += E[best * M + m] * v[m]
    // A pick with no spread and no noise teaches nothing more: nothing to condition on.
    if (!(den > 0)) continue
    for (let p = 0; p < M; p++) for (let q = 0; q < M; q++) S[p * M + q] -= (v[p] * v[q]) / den
    for (let i = 0; i < n; i++) {
      let c = 0
      for (let m = 0; m < M; m++) c += E[i * M + m] * v[m]
      variance[i] = Math.max(0, variance[i] - (c * c) / den)
    }
  }
  return picks
}
