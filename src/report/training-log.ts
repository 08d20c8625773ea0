/**
 * Reads a model folder's training-log.jsonl (one JSON object per epoch, written by training) into
 * the curves the report draws. Key names are read in the trainer's camelCase (trainLRating,
 * valLRating) or snake_case (train_l_rating, val_l_rating); a missing or unreadable log is null,
 * since older models and ridge fits may have none, and the report then says so instead of failing.
 *
 * @example
 *   await readTrainingLog('models/demo')
 *   // [{ epoch: 1, train: -0.82, val: -0.91 }, { epoch: 2, train: -0.55, val: -0.63 }, ...]
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

export const TRAINING_LOG_FILE = 'training-log.jsonl'

export interface EpochPoint {
  epoch: number
  /** Training L_rating (≤ 0), null when not logged. */
  train: number | null
  /** Validation L_rating (≤ 0), null without a validation split. */
  val: number | null
}

export async function readTrainingLog(modelDir: string): Promise<EpochPoint[] | null> {
  let text: string
  try {
    text = await readFile(join(modelDir, TRAINING_LOG_FILE), 'utf8')
  } catch {
    return null
  }
  return parseTrainingLog(text)
}

export function parseTrainingLog(text: string): EpochPoint[] | null {
  const points: EpochPoint[] = []
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    let r: Record<string, unknown>
    try {
      r = JSON.parse(line)
    } catch {
      continue // a torn last line of an interrupted run
    }
    const num = (...keys: string[]) => {
      for (const k of keys) if (typeof r[k] === 'number' && Number.isFinite(r[k])) return r[k] as number
      return null
    }
    const epoch = num('epoch') ?? points.length + 1
    points.push({ epoch, train: num('trainLRating', 'train_l_rating'), val: num('valLRating', 'val_l_rating') })
  }
  return points.length > 0 ? points : null
}
