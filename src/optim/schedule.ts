/**
 * Learning-rate schedules as a function of the optimizer step (0-based), with the semantics of
 * transformers' get_cosine_schedule_with_warmup / get_constant_schedule_with_warmup:
 *
 *     warm-up   lr·t/W                                  for t < W
 *     cosine    lr·½(1 + cos(π·(t-W)/(T-W)))            for t ≥ W, reaching 0 at t = T
 *     constant  lr                                       for t ≥ W
 *
 * @example
 *   const s = { kind: 'cosine', lr: 1e-3, totalSteps: 100, warmupSteps: 10 } as const
 *   learningRate(s, 0)    // 0
 *   learningRate(s, 10)   // 0.001
 *   learningRate(s, 55)   // 0.0005
 */
export type ScheduleKind = 'constant' | 'cosine'

export interface Schedule {
  kind: ScheduleKind
  lr: number
  totalSteps: number
  warmupSteps: number
}

/** W = ⌈ratio·T⌉, as transformers' get_warmup_steps. */
export const warmupSteps = (ratio: number, totalSteps: number): number => Math.ceil(ratio * totalSteps)

export function learningRate(s: Schedule, step: number): number {
  if (step < s.warmupSteps) return (s.lr * step) / Math.max(1, s.warmupSteps)
  if (s.kind === 'constant') return s.lr
  const progress = (step - s.warmupSteps) / Math.max(1, s.totalSteps - s.warmupSteps)
  return s.lr * Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)))
}
