/** Turns the pipeline's stage events into one progress bar per stage (and split). */
import type { TrainModelProgress } from '../pipeline/options.ts'
import type { EpochRecord } from '../train/options.ts'
import { createProgress } from './progress.ts'

const LABELS: Record<string, string> = {
  read: 'validating',
  featurize: 'featurizing',
  fit: 'fitting',
  evaluate: 'evaluating',
  save: 'saving',
}

export function stageProgress(stream: NodeJS.WriteStream = process.stderr) {
  const bar = createProgress(stream)
  let current = ''
  const finished = new Set<string>()
  return {
    onProgress(p: TrainModelProgress) {
      const key = `${p.stage}:${p.split ?? ''}`
      if (p.stage === 'save' || finished.has(key)) return
      if (key !== current) {
        if (current) bar.stop()
        current = key
        bar.start(`${LABELS[p.stage]}${p.split ? ` ${p.split}` : ''}`, p.total)
      }
      bar.update(p.done)
      if (p.total > 0 && p.done >= p.total && p.stage !== 'fit') {
        bar.stop()
        finished.add(key)
        current = ''
      }
    },
    onEpoch(r: EpochRecord) {
      // A live bar must be closed before a line is printed; without a TTY there is no bar, and one
      // summary line for the whole fit (when it ends) is enough.
      if (stream.isTTY && current) {
        bar.stop()
        current = ''
      }
      stream.write(`epoch ${r.epoch}:${epochMetrics(r)}  (${r.seconds.toFixed(1)} s)\n`)
    },
  }
}

/** The objective's numbers of an epoch: L_rating and RMSE for ratings, L_BT and accuracy for pairs. */
function epochMetrics(r: EpochRecord): string {
  const parts: string[] = []
  const f = (label: string, v: number | null | undefined) => {
    if (v !== null && v !== undefined) parts.push(`${label} ${v.toFixed(4)}`)
  }
  f('train L_rating', r.trainLRating)
  f('train L_BT', r.trainLBT)
  f('val L_rating', r.valLRating)
  f('val rmse', r.valRmse)
  f('val L_BT', r.valLBT)
  f('val pair accuracy', r.valAccuracy)
  return parts
    .map((p) => `  ${p}`)
    .join('')
    .replace(/^ /, '')
}
