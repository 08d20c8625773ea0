/**
 * The rating metrics of metrics.ts, recomputed fast on bootstrap resamples. A resample is the
 * original rows with multiplicities c_i (drawn with replacement), so everything that needs sorting
 * is sorted once up front and each resample costs O(n log n) additions instead of four
 * comparison sorts: ranks come from walking the presorted order with weights, and Kendall's
 * concordant/discordant counts from a Fenwick tree over prediction ranks (Knight's algorithm with
 * weights). On 5,000 rows × 1,000 resamples this measured ~10× faster than calling ratingMetrics on
 * each expanded resample, with the same values (checked against ratingMetrics in the tests).
 *
 *   with N = Σc, n0 = N(N−1)/2, n1/n2 = pairs tied in target/prediction, n3 = tied in both:
 *   τ-b = (C − D) / √((n0 − n1)(n0 − n2)),  pairwise accuracy = (C + ½(n2 − n3)) / (n0 − n1)
 *
 * @example
 *   const rm = new ResampleMetrics(targets, predictions)
 *   rm.metrics(countsOf(indexSet, n))   // same as ratingMetrics(targets at indexSet, predictions at indexSet)
 */
import type { RatingMetrics } from './metrics.ts'

/** Multiplicity of each row in an index set. */
export function countsOf(set: ArrayLike<number>, n: number, out = new Uint32Array(n)): Uint32Array {
  out.fill(0)
  for (let j = 0; j < set.length; j++) out[set[j]]++
  return out
}

export class ResampleMetrics {
  private readonly rows: Uint32Array // labelled rows
  private readonly bySR: Uint32Array // labelled rows sorted by (target, prediction)
  private readonly byR: Uint32Array // labelled rows sorted by prediction
  private readonly rRank: Uint32Array // dense rank (1-based) of each row's prediction
  private readonly ranks: number
  private readonly rankS: Float64Array
  private readonly rankR: Float64Array
  private readonly tree: Float64Array

  constructor(
    private readonly s: Float64Array,
    private readonly r: Float64Array,
  ) {
    const rows: number[] = []
    for (let i = 0; i < s.length; i++) {
      if (Number.isNaN(s[i])) continue
      if (!Number.isFinite(r[i])) throw new RangeError(`prediction ${i} is ${r[i]}; must be finite`)
      rows.push(i)
    }
    this.rows = Uint32Array.from(rows)
    this.bySR = Uint32Array.from(rows).sort((a, b) => s[a] - s[b] || r[a] - r[b] || a - b)
    this.byR = Uint32Array.from(rows).sort((a, b) => r[a] - r[b] || a - b)
    this.rRank = new Uint32Array(s.length)
    let rank = 0
    for (let j = 0; j < this.byR.length; j++) {
      if (j === 0 || r[this.byR[j]] !== r[this.byR[j - 1]]) rank++
      this.rRank[this.byR[j]] = rank
    }
    this.ranks = rank
    this.rankS = new Float64Array(s.length)
    this.rankR = new Float64Array(s.length)
    this.tree = new Float64Array(rank + 1)
  }

  metrics(c: Uint32Array): RatingMetrics {
    const { s, r, rows } = this
    let N = 0
    let se = 0
    let ae = 0
    for (let j = 0; j < rows.length; j++) {
      const i = rows[j]
      const w = c[i]
      if (w === 0) continue
      N += w
      const e = s[i] - r[i]
      se += w * e * e
      ae += w * Math.abs(e)
    }
    const mse = N > 0 ? se / N : Number.NaN
    const { kendall, pairwiseAccuracy } = this.kendall(c, N)
    this.averageRanks(c, this.bySR, s, this.rankS)
    this.averageRanks(c, this.byR, r, this.rankR)
    return {
      l_rating: -mse,
      mse,
      rmse: Math.sqrt(mse),
      mae: N > 0 ? ae / N : Number.NaN,
      pearson: this.pearson(c, N, s, r),
      spearman: this.pearson(c, N, this.rankS, this.rankR),
      kendall,
      pairwise_accuracy: pairwiseAccuracy,
      n: N,
    }
  }

  /** Weighted Pearson, two-pass; NaN when N < 2 or a side is constant (as metrics.ts). */
  private pearson(c: Uint32Array, N: number, x: Float64Array, y: Float64Array): number {
    if (N < 2) return Number.NaN
    let mx = 0
    let my = 0
    let xConst = true
    let yConst = true
    let x0 = Number.NaN
    let y0 = Number.NaN
    const rows = this.rows
    for (let j = 0; j < rows.length; j++) {
      const i = rows[j]
      const w = c[i]
      if (w === 0) continue
      if (Number.isNaN(x0)) {
        x0 = x[i]
        y0 = y[i]
      }
      if (x[i] !== x0) xConst = false
      if (y[i] !== y0) yConst = false
      mx += w * x[i]
      my += w * y[i]
    }
    // Exact check: a weighted mean of equal values need not reproduce them bit for bit.
    if (xConst || yConst) return Number.NaN
    mx /= N
    my /= N
    let sxy = 0
    let sxx = 0
    let syy = 0
    for (let j = 0; j < rows.length; j++) {
      const i = rows[j]
      const w = c[i]
      if (w === 0) continue
      const dx = x[i] - mx
      const dy = y[i] - my
      sxy += w * dx * dy
      sxx += w * dx * dx
      syy += w * dy * dy
    }
    if (sxx === 0 || syy === 0) return Number.NaN
    return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)))
  }

  /** 1-based average ranks of the resample written per row; `order` sorts rows by `v`. */
  private averageRanks(c: Uint32Array, order: Uint32Array, v: Float64Array, out: Float64Array): void {
    let pos = 0
    for (let j = 0; j < order.length; ) {
      let k = j
      let m = 0
      while (k < order.length && v[order[k]] === v[order[j]]) m += c[order[k++]]
      const avg = pos + (m + 1) / 2
      for (let t = j; t < k; t++) out[order[t]] = avg
      pos += m
      j = k
    }
  }

  private kendall(c: Uint32Array, N: number): { kendall: number; pairwiseAccuracy: number } {
    if (N < 2) return { kendall: Number.NaN, pairwiseAccuracy: Number.NaN }
    const { s, r, bySR, byR, rRank, tree, ranks } = this
    tree.fill(0)
    const pairs = (m: number) => (m * (m - 1)) / 2
    let conc = 0
    let disc = 0
    let total = 0
    let n1 = 0
    let n3 = 0
    for (let j = 0; j < bySR.length; ) {
      // One group of equal targets: compare with rows of smaller targets (already in the tree).
      let k = j
      let m = 0
      while (k < bySR.length && s[bySR[k]] === s[bySR[j]]) {
        const i = bySR[k++]
        const w = c[i]
        if (w === 0) continue
        m += w
        const below = prefix(tree, rRank[i] - 1)
        const upTo = prefix(tree, rRank[i])
        conc += w * below
        disc += w * (total - upTo)
      }
      n1 += pairs(m)
      // Runs of equal (target, prediction) inside the group: ties in both.
      for (let t = j; t < k; ) {
        let u = t
        let mm = 0
        while (u < k && r[bySR[u]] === r[bySR[t]]) mm += c[bySR[u++]]
        n3 += pairs(mm)
        t = u
      }
      for (let t = j; t < k; t++) {
        const i = bySR[t]
        if (c[i] > 0) add(tree, rRank[i], c[i], ranks)
      }
      total += m
      j = k
    }
    let n2 = 0
    for (let j = 0; j < byR.length; ) {
      let k = j
      let m = 0
      while (k < byR.length && r[byR[k]] === r[byR[j]]) m += c[byR[k++]]
      n2 += pairs(m)
      j = k
    }
    const n0 = pairs(N)
    const denom = Math.sqrt((n0 - n1) * (n0 - n2))
    return {
      kendall: denom > 0 ? Math.max(-1, Math.min(1, (conc - disc) / denom)) : Number.NaN,
      pairwiseAccuracy: n0 - n1 > 0 ? (conc + 0.5 * (n2 - n3)) / (n0 - n1) : Number.NaN,
    }
  }
}

/** Fenwick tree over 1..size: prefix sums and point updates in O(log size). */
function prefix(tree: Float64Array, i: number): number {
  let sum = 0
  for (let x = i; x > 0; x -= x & -x) sum += tree[x]
  return sum
}
function add(tree: Float64Array, i: number, w: number, size: number): void {
  for (let x = i; x <= size; x += x & -x) tree[x] += w
}
