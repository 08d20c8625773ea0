/**
 * What the head benchmarks (bench:head, bench:pairs) share when they time epochs against torch: the
 * AdamW run both sides match, and the per-epoch figure they compare.
 *
 * @example
 *   const res = await train(data, { head: 'linear', ...peerMatchedAdamW(HYPER, 4) })
 *   medianEpochSeconds(res.history.map((h) => h.seconds))   // 0.412
 */
import type { TrainOptions } from '../src/train/options.ts'

export interface AdamWSettings {
  seed: number
  lr: number
  betas: [number, number]
  eps: number
  weightDecay: number
  batchSize: number
}

/** The AdamW settings of both benchmarks; they reach the peers in the data folder's meta.json ("hyper"). */
export const BENCH_ADAMW: AdamWSettings = {
  seed: 0,
  lr: 1e-3,
  betas: [0.9, 0.999],
  eps: 1e-8,
  weightDecay: 0,
  batchSize: 256,
}

/** AdamW, cosine to 0 without warm-up, no clipping and no early stopping: what the torch peers run. */
export function peerMatchedAdamW(h: AdamWSettings, epochs: number): TrainOptions {
  return {
    optimizer: 'adamw',
    lr: h.lr,
    betas: h.betas,
    eps: h.eps,
    weightDecay: h.weightDecay,
    batchSize: h.batchSize,
    epochs,
    schedule: 'cosine',
    warmupRatio: 0,
    clipNorm: 0,
    patience: 0,
    seed: h.seed,
  }
}

/** Median epoch time, leaving out the first epoch (warm-up: session creation, page faults) when there are more. */
export function medianEpochSeconds(seconds: number[]): number {
  const s = (seconds.length > 1 ? seconds.slice(1) : seconds).slice().sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/** Seconds as the benchmarks print them. */
export const fmt = (v: number) => v.toFixed(3)
