/**
 * Picks the reader from the file extension unless a format is given.
 *
 * @example
 *   detectFormat('ratings.tsv.gz')            // 'tsv'
 *   detectFormat('ratings.txt', 'jsonl')      // 'jsonl'
 */
import { statSync } from 'node:fs'
import { DataError, OptionError } from '../errors.ts'
import { DATA_FORMATS, type DataFormat } from './options.ts'

const EXTENSIONS: Record<string, DataFormat> = {
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'json',
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.parquet': 'parquet',
}

/** True when the name alone (extension, after .gz) gives the format. */
export function extensionTellsFormat(file: string): boolean {
  const lower = file.toLowerCase()
  const base = lower.endsWith('.gz') ? lower.slice(0, -3) : lower
  return Object.hasOwn(EXTENSIONS, base.slice(base.lastIndexOf('.')))
}

export function detectFormat(file: string, format: 'auto' | DataFormat = 'auto'): DataFormat {
  const lower = file.toLowerCase()
  const gz = lower.endsWith('.gz')
  const base = gz ? lower.slice(0, -3) : lower
  const ext = base.slice(base.lastIndexOf('.'))
  const found = format === 'auto' ? EXTENSIONS[ext] : format
  if (!found) {
    // A folder has no extension either: say what it is rather than "cannot tell the format".
    if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) {
      throw new DataError('is a folder; pass a ratings file inside it (.jsonl, .json, .csv, .tsv or .parquet)', {
        file,
      })
    }
    throw new OptionError(
      'format',
      format,
      `one of ${DATA_FORMATS.join(', ')}: cannot tell the format of ${file} from its extension; pass --format`,
    )
  }
  if (found === 'parquet' && gz) {
    throw new OptionError(
      'format',
      file,
      'an uncompressed .parquet file (Parquet compresses its pages itself); gunzip it first',
    )
  }
  return found
}
