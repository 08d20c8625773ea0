/**
 * What the training loop, the fused epoch, validation and checkpoints know about an objective: the
 * interface every file in src/objectives implements. Objectives are MAXIMIZED (values ≤ 0, higher is
 * better); a gradient is ∂L/∂out, and the loop descends on -L.
 *
 * A batch holds `rowsPerExample` feature rows per example (1: a rated response; 2: a pair, chosen
 * then rejected) and `labelWidth` label values per example. Head outputs are in head units (the
 * rating objective's are standardized by the training statistics); values are reported on the
 * objective's own scale.
 *
 * @example
 *   const objective = createObjective({ type: 'rating', weights: [1, 0.5] })
 *   const stats = await objective.fitStats(trainSource)
 *   const { value, grad } = objective.batchLoss(batch.y, out.data, stats)   // grad: ∂L/∂out
 */
import type { Initializer, NodeSpec, ValueInfo } from '../compute/onnx-proto.ts'
import type { BatchSource } from '../core/batch-source.ts'
import type { TargetStats } from '../core/targets.ts'

export interface BatchLoss {
  /** The objective on this batch, on its reported scale (a mean over `count`). */
  value: number
  /** ∂L/∂out in head units, [rows, outputs] row-major. */
  grad: Float64Array
  /** What `value` averages over (labelled entries, pairs). */
  count: number
}

/** Validation: fed the labels and head outputs chunk by chunk, then asked for the result. */
export interface ValidationAccumulator {
  add(y: Float32Array, out: Float32Array): void
  result(): ValidationResult
}

export interface ValidationResult {
  /** The objective on the split (≤ 0, higher is better): early stopping keeps the best. */
  value: number
  /** Its other metrics, e.g. { mse, rmse } or { accuracy, meanMargin }. */
  metrics: Record<string, number | number[]>
}

/** Names the fused epoch graph gives the objective's piece. */
export interface FusedNames {
  /** Head output of the step, [rows, outputs]. */
  out: string
  /** The step's labels, [examples, labelWidth], gathered from fusedLabels. */
  labels: string
  /** Where to write ∂(-L)/∂out, [rows, outputs]. */
  grad: string
  /** Where to write two scalars: the step's summed value and what it averages over. */
  sum: string
  count: string
}

/** The piece of the fused epoch graph (src/train/fused-epoch.ts) that computes the objective. */
export interface FusedObjective {
  /** All examples' labels as the graph reads them, [examples, labelWidth]. */
  labels(y: Float32Array, stats: TargetStats[]): Float32Array
  /** Per-run inputs of the graph (constants from weights and statistics). */
  inputs(stats: TargetStats[]): { info: ValueInfo; data: Float32Array }[]
  /** Constants its nodes use (besides the shared zero, one, half). */
  constants: Initializer[]
  /** Appends the nodes: gradient of -L, the summed value and its count. */
  nodes(add: (node: NodeSpec) => void, names: FusedNames): void
  /** The epoch's train value from the summed sums and counts. */
  value(sum: number, count: number): number
}

export interface Objective {
  /** Registry key, as recorded in checkpoints and config.json. */
  readonly type: string
  /** The options it was built with (JSON; part of a run's checkpoint signature). */
  readonly spec: Record<string, unknown> & { type: string }
  readonly rowsPerExample: number
  /** Head outputs this objective trains for data with `labelWidth` label values per example. */
  outputs(source: BatchSource): number
  /** Statistics fitted on the training split: how head units map to the reported scale. */
  fitStats(source: BatchSource): Promise<TargetStats[]>
  /** Whether example i of labels y has anything to learn from. */
  labelled(y: Float32Array, i: number, stats: TargetStats[]): boolean
  /** Value and gradient in one pass, from the batch's labels and the head's outputs. */
  batchLoss(y: Float32Array, out: Float32Array, stats: TargetStats[]): BatchLoss
  validation(stats: TargetStats[]): ValidationAccumulator
  /**
   * The epoch record fields (the training log's keys): the train value and the validation result,
   * under the objective's names (trainLRating, valLRating, ...).
   */
  record(train: number, val: ValidationResult | null): Record<string, number | number[] | null>
  /** null: the fused epoch cannot run this objective (the plain path does). */
  fused: FusedObjective | null
}
