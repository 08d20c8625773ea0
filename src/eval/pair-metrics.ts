/**
 * Preference accuracy, as RewardBench reports it: a pair is won when reward(chosen) > reward(rejected);
 * a tie counts half (RewardBench counts ties as losses, which rewards a constant model with 0 rather
 * than the 0.5 of a coin flip; half is the unbiased choice). The margin is reward(chosen) − reward(rejected).
 *
 * @example
 *   pairMetrics(Float64Array.of(2, 1, 3), Float64Array.of(1, 1, 4))
 *   // { accuracy: 0.5, mean_margin: 0, ties: 1, n: 3 }      wins: 1, tie: 0.5, loss: 0 → 1.5 / 3
 */

export interface PairMetrics {
  /** Share of pairs where chosen outscores rejected, ties counting 0.5. In [0, 1]. */
  accuracy: number
  /** Mean of reward(chosen) − reward(rejected). */
  mean_margin: number
  /** Pairs scored exactly equal. */
  ties: number
  n: number
}

/** Over all pairs, or over the pairs listed in `rows` (a bootstrap resample or one subset). */
export function pairMetrics(
  chosen: ArrayLike<number>,
  rejected: ArrayLike<number>,
  rows?: ArrayLike<number>,
): PairMetrics {
  const n = rows ? rows.length : chosen.length
  let wins = 0
  let ties = 0
  let margin = 0
  for (let j = 0; j < n; j++) {
    const i = rows ? rows[j] : j
    const m = chosen[i] - rejected[i]
    margin += m
    if (m > 0) wins++
    else if (m === 0) ties++
  }
  return {
    accuracy: n ? (wins + 0.5 * ties) / n : Number.NaN,
    mean_margin: n ? margin / n : Number.NaN,
    ties,
    n,
  }
}
