/** What a rating target is measured on: its scale, and the statistics that standardize it. */

export interface RatingScale {
  min: number
  max: number
}

/** Per-attribute standardization, computed on the training split only. */
export interface TargetStats {
  mean: number
  std: number
}
