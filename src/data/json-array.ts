/**
 * A JSON file holding one top-level array of objects, read element by element: a small scanner finds
 * where each element ends (tracking strings, escapes and nesting depth) and hands just that slice to
 * JSON.parse, so memory holds one element, not the file. Line numbers are each element's start line.
 *
 * Limits: the top level must be an array (a wrapper object such as {"data": [...]} is rejected with a
 * hint to use JSON Lines); a single element must fit in memory.
 *
 * @example
 *   for await (const batch of readJsonArray('ratings.json')) for (const r of batch) console.log(r.line)  // 2
 */
import { DataError } from '../errors.ts'
import { parseRecord } from './jsonl.ts'
import type { RecordOrError } from './raw-record.ts'
import { type TextChunkOptions, textChunks } from './text-stream.ts'

const isSpace = (c: number) => c === 32 || c === 10 || c === 13 || c === 9

/** Incremental splitter: push chunks, get back the text of each finished top-level element. */
export class JsonArraySplitter {
  private started = false
  private ended = false
  private inElement = false
  /** The element is a scalar (number, string, true...): it ends at ',' / ']' / whitespace. */
  private scalar = false
  private depth = 0
  private inString = false
  private escaped = false
  private element = ''
  private elementLine = 0
  private line = 1

  constructor(private readonly file = '<input>') {}

  push(chunk: string): { text: string; line: number }[] {
    const out: { text: string; line: number }[] = []
    let from = this.inElement ? 0 : -1 // where the current element starts inside this chunk
    const emit = (end: number) => {
      out.push({ text: this.element + chunk.slice(from, end), line: this.elementLine })
      this.element = ''
      this.inElement = false
      from = -1
    }
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i)
      if (c === 10) this.line++
      if (this.inString) {
        if (this.escaped) this.escaped = false
        else if (c === 92) this.escaped = true
        else if (c === 34) this.inString = false
        continue
      }
      if (!this.started) {
        if (isSpace(c)) continue
        if (c !== 91) {
          throw new DataError(
            `expected a JSON array of objects ('[' ...) but the file starts with '${chunk[i]}'; ` +
              'write one JSON object per line as JSON Lines (.jsonl) instead',
            { file: this.file, line: this.line },
          )
        }
        this.started = true
        continue
      }
      if (this.ended) {
        if (!isSpace(c)) this.fail(`unexpected '${chunk[i]}' after the closing ']'`)
        continue
      }
      if (!this.inElement) {
        // Between elements: whitespace, ',' or the closing ']'.
        if (isSpace(c) || c === 44) continue
        if (c === 93) {
          this.ended = true
          continue
        }
        this.inElement = true
        this.elementLine = this.line
        from = i
        this.scalar = c !== 123 && c !== 91
        this.depth = this.scalar ? 0 : 1
        if (c === 34) this.inString = true
        continue
      }
      if (this.scalar) {
        if (isSpace(c) || c === 44 || c === 93) {
          emit(i)
          if (c === 93) this.ended = true
        } else if (c === 34) this.inString = true
        continue
      }
      if (c === 34) this.inString = true
      else if (c === 123 || c === 91) this.depth++
      else if (c === 125 || c === 93) {
        if (--this.depth === 0) emit(i + 1)
      }
    }
    if (this.inElement) this.element += chunk.slice(from)
    return out
  }

  end(): { text: string; line: number }[] {
    if (!this.started) throw new DataError('the file is empty; expected a JSON array of objects', { file: this.file })
    if (!this.ended) this.fail('the array is not closed with ]; the file may be truncated')
    return []
  }

  private fail(reason: string): never {
    throw new DataError(`malformed JSON array: ${reason}`, { file: this.file, line: this.line })
  }
}

/** Records in batches, one batch per chunk of the file. */
export async function* readJsonArray(file: string, o: TextChunkOptions = {}): AsyncGenerator<RecordOrError[]> {
  const splitter = new JsonArraySplitter(file)
  for await (const chunk of textChunks(file, o)) {
    const batch = splitter.push(chunk).map(({ text, line }) => parseRecord(text, file, line))
    if (batch.length > 0) yield batch
  }
  splitter.end()
}
