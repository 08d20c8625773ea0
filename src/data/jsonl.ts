/**
 * JSON Lines: one JSON object per physical line; blank lines are skipped. The primary format for big
 * files, since each line is parsed on its own and only one line is held at a time.
 *
 * @example
 *   for await (const batch of readJsonl('ratings.jsonl')) for (const r of batch) if (!isBadRecord(r)) console.log(r.line, r.values)
 *   // 1 { prompt: 'Hi', response: 'Hello', helpfulness: 3 }
 */
import { DataError } from '../errors.ts'
import type { RecordOrError } from './raw-record.ts'
import { readLines, type TextChunkOptions, textChunks } from './text-stream.ts'

/** Records in batches, one batch per chunk of the file. */
export async function* readJsonl(file: string, o: TextChunkOptions = {}): AsyncGenerator<RecordOrError[]> {
  for await (const lines of readLines(textChunks(file, o))) {
    const batch: RecordOrError[] = []
    for (const { text, line } of lines) if (text.trim() !== '') batch.push(parseRecord(text, file, line))
    if (batch.length > 0) yield batch
  }
}

/** Parses one JSON value that must be an object; shared with the JSON-array reader. */
export function parseRecord(text: string, file: string, line: number): RecordOrError {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    return {
      error: new DataError(`invalid JSON (${(err as Error).message}); each record must be one JSON object`, {
        file,
        line,
      }),
      reason: 'bad-json',
      line,
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return {
      error: new DataError(
        `expected a JSON object with named fields, found ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`,
        { file, line },
      ),
      reason: 'not-an-object',
      line,
    }
  }
  return { values: value as Record<string, unknown>, line, unit: 'line' }
}
