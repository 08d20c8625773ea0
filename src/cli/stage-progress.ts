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
      const val =
        r.valLRating === null ? '' : `  val L_rating ${r.valLRating.toFixed(4)}  val rmse ${r.valRmse?.toFixed(4)}`
      stream.write(`epoch ${r.epoch}: train L_rating ${r.trainLRating.toFixed(4)}${val}  (${r.seconds.toFixed(1)} s)\n`)
    },
  }
}
