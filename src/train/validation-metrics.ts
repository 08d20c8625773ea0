/**
 * Validation: the head's outputs on a held-out split, chunk by chunk, fed to the objective's
 * validation metric (for L_rating: the outputs mapped back to the rating scale with the training
 * statistics, L_rating, MSE and RMSE per attribute; see src/objectives).
 *
 * @example
 *   const m = await validationMetrics(head, valSource, objective, targetStats)
 *   m.value          // -0.41: the objective on the split (≤ 0, higher is better)
 *   m.metrics.rmse   // 0.64
 */
import type { BatchSource } from '../core/batch-source.ts'
import type { TargetStats } from '../core/targets.ts'
import type { Head } from '../heads/head.ts'
import type { Objective, ValidationResult } from '../objectives/objective.ts'

export async function validationMetrics(
  head: Head,
  source: BatchSource,
  objective: Objective,
  stats: TargetStats[],
  chunkRows = 8192,
): Promise<ValidationResult> {
  const acc = objective.validation(stats)
  for await (const { x, y } of source.chunks(chunkRows)) acc.add(y, (await head.predict(x)).data)
  return acc.result()
}
