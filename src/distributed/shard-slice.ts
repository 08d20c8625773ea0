/**
 * A shard's rows as the driver read them while planning, written to the store's work area
 * (`STORE/.slices/<text digest>-<labels digest>.jsonl`), so a worker reads its own rows and nothing
 * else: no re-reading the input from its start, whatever the format (JSONL, CSV with quoted
 * newlines, gzip, Parquet, JSON arrays, Hub shards), and workers need only the store, not the input.
 *
 * One JSON header line, then one JSON array per row:
 *   {"format":"rewardfit-slice","version":1,"files":["/data/a.jsonl"]}
 *   [fileIndex, line, prompt, response, messages|0, targets, sideFeatures|0]
 * A missing label is null; -0 is written "-0" (JSON has no -0), so every value comes back to the
 * same bits. `line` is the row's line (text formats) or row (Parquet) in its input file, so an error
 * found by a worker names the file's real row.
 *
 * @example
 *   const w = await SliceWriter.create(storeDir)
 *   await w.add(example, 0)                         // while planning
 *   const name = await w.finish(textDigest, targetsDigest)
 *   for await (const row of openSlice(join(storeDir, SLICE_DIR, name)).rows()) …
 */
import { createReadStream } from 'node:fs'
import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { ChatMessage } from '../data/rating-example.ts'
import { DataError } from '../errors.ts'
import { tempTag } from '../stale-temps.ts'
import type { StoreRow } from '../store/build-store.ts'

export const SLICE_DIR = '.slices'
const FORMAT = 'rewardfit-slice'
const VERSION = 1
/** Bytes buffered before a write. */
const FLUSH_BYTES = 1 << 20

export const sliceName = (textDigest: string, targetsDigest: string, sideDigest?: string | null) =>
  `${textDigest}-${targetsDigest}${sideDigest ? `-${sideDigest}` : ''}.jsonl`

/** A row with its side features, as a slice stores it. */
export interface SliceRow extends StoreRow {
  features?: Float64Array
}

const encodeNumber = (v: number) => (Number.isNaN(v) ? null : Object.is(v, -0) ? '-0' : v)
/** NaN for null and for anything that is not a finite number or "-0" (the caller tells them apart). */
const decodeNumber = (v: unknown): number =>
  v === '-0' ? -0 : typeof v === 'number' && Number.isFinite(v) ? v : Number.NaN

export class SliceWriter {
  private buffer: string[] = []
  private bytes = 0
  rows = 0

  private constructor(
    private readonly dir: string,
    private readonly tmp: string,
    private readonly fh: FileHandle,
  ) {}

  /** A new slice under `storeDir`'s work area, written to a temporary name until finish(). */
  static async create(storeDir: string, files: string[]): Promise<SliceWriter> {
    const dir = join(storeDir, SLICE_DIR)
    await mkdir(dir, { recursive: true })
    const tmp = join(dir, `.tmp-slice-${tempTag()}`)
    const w = new SliceWriter(dir, tmp, await open(tmp, 'w'))
    w.push(JSON.stringify({ format: FORMAT, version: VERSION, files }))
    return w
  }

  private push(line: string): void {
    this.buffer.push(line, '\n')
    this.bytes += line.length + 1
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return
    const text = this.buffer.join('')
    this.buffer = []
    this.bytes = 0
    await this.fh.write(text)
  }

  async add(
    e: {
      prompt: string
      response: string
      messages?: ChatMessage[]
      targets: ArrayLike<number>
      features?: ArrayLike<number>
      line: number
    },
    fileIndex: number,
  ): Promise<void> {
    const row = [
      fileIndex,
      e.line,
      e.prompt,
      e.response,
      e.messages ?? 0,
      Array.from(e.targets, encodeNumber),
      e.features ? Array.from(e.features, encodeNumber) : 0,
    ]
    this.push(JSON.stringify(row))
    this.rows++
    if (this.bytes >= FLUSH_BYTES) await this.flush()
  }

  /** Makes the slice visible under its content name; returns that name. */
  async finish(textDigest: string, targetsDigest: string, sideDigest?: string | null): Promise<string> {
    const name = sliceName(textDigest, targetsDigest, sideDigest)
    try {
      await this.flush()
      await this.fh.sync()
      await this.fh.close()
      await rename(this.tmp, join(this.dir, name))
    } catch (e) {
      await this.abort()
      throw e
    }
    return name
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => {})
    await rm(this.tmp, { force: true })
  }
}

/** A DataError position for an input row: Parquet rows are rows, text rows lines (as the readers say). */
export const inputPosition = (file: string, line: number) =>
  /\.parquet$/i.test(file) ? { file, row: line } : { file, line }

/** Where a slice's row came from: its input file and line (or Parquet row). */
export interface RowOrigin {
  file: string
  line: number
}

export interface OpenSlice {
  /** The rows in order (one pass). */
  rows(): AsyncGenerator<SliceRow>
  /** The input file and line of the i-th row read so far (0-based). */
  origin(i: number): RowOrigin | undefined
}

/** Reads a slice written by SliceWriter. */
export function openSlice(path: string): OpenSlice {
  let files: string[] = []
  const fileOf: number[] = []
  const lineOf: number[] = []
  const bad = (line: number, why: string) =>
    new DataError(`${why}; the slice is damaged: run rewardfit featurize again`, { file: path, line })
  return {
    origin: (i) => (i < lineOf.length ? { file: files[fileOf[i]] ?? '?', line: lineOf[i] } : undefined),
    async *rows() {
      let n = 0
      for await (const text of lines(path)) {
        n++
        let v: unknown
        try {
          v = JSON.parse(text)
        } catch {
          throw bad(n, 'not JSON')
        }
        if (n === 1) {
          const h = v as { format?: string; version?: number; files?: string[] }
          if (h?.format !== FORMAT || h.version !== VERSION || !Array.isArray(h.files))
            throw bad(n, `not a version ${VERSION} rewardfit slice`)
          files = h.files
          continue
        }
        if (!Array.isArray(v) || v.length !== 7 || typeof v[2] !== 'string' || typeof v[3] !== 'string')
          throw bad(n, 'not a slice row')
        const [f, line, prompt, response, messages, targets, features] = v
        fileOf.push(f)
        lineOf.push(line)
        const numbers = (list: unknown, what: string, nullable: boolean) => {
          if (!Array.isArray(list)) throw bad(n, `${what} is not a list`)
          return Float64Array.from(list, (x, i) => {
            const y = decodeNumber(x)
            if (Number.isNaN(y) && !(nullable && x === null))
              throw new DataError(
                `${what} ${i} is ${JSON.stringify(x)} in ${path} line ${n}, not a number; the slice is damaged: run rewardfit featurize again`,
                inputPosition(files[f], line),
              )
            return y
          })
        }
        const row: SliceRow = {
          pair: messages ? { prompt, response, messages } : { prompt, response },
          targets: numbers(targets, 'target', true),
        }
        if (features) row.features = numbers(features, 'side feature', false)
        yield row
      }
    },
  }
}

/** The lines of a UTF-8 file, split on '\n' only (a JSON line never holds a raw newline). */
async function* lines(path: string): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let rest = ''
  for await (const chunk of createReadStream(path)) {
    const text = rest + decoder.decode(chunk as Buffer, { stream: true })
    const parts = text.split('\n')
    rest = parts.pop() as string
    for (const p of parts) yield p
  }
  rest += decoder.decode()
  if (rest !== '') yield rest
}
