/** The per-attribute metrics table printed after training and evaluation. */
import { RATING_METRIC_NAMES, type RatingMetrics } from '../eval/metrics.ts'
import { table } from './format.ts'

const COLUMNS: (keyof RatingMetrics)[] = [...RATING_METRIC_NAMES, 'n']

export function metricsTable(m: { attributes: Record<string, RatingMetrics>; reward: RatingMetrics }): string {
  const rows = Object.entries(m.attributes).map(([name, v]) => [name, ...COLUMNS.map((c) => v[c])])
  rows.push(['(reward)', ...COLUMNS.map((c) => m.reward[c])])
  return table(['attribute', ...COLUMNS.map((c) => (c === 'pairwise_accuracy' ? 'pair_acc' : c))], rows)
}
