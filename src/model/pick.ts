/** One row chosen by `select` (model/select-rows.ts), shared by its strategies. */
export interface Pick {
  /** Row of `x`. */
  row: number
  /** 0 for the first pick. */
  order: number
  /** The reward's predictive std when it was picked (greedy: given the earlier picks). */
  std: number
  /** Its std before any pick. */
  stdBefore: number
}
