/**
 * Streams a text file as UTF-8 string chunks (gunzipping `.gz` on the fly, dropping a leading BOM,
 * refusing UTF-16 and warning once about bytes that are not UTF-8),
 * and splits chunks into physical lines with 1-based line numbers. Nothing holds the whole file.
 * Lines come in batches (one per chunk): a yield through an async generator costs about a
 * microsecond, which per line would be a large share of reading a short JSON line.
 *
 * @example
 *   for await (const batch of readLines(textChunks('data.jsonl.gz'))) for (const { text, line } of batch) ...
 *   // line 1: '{"prompt": ...}'
 */
import { createReadStream } from 'node:fs'
import { createGunzip } from 'node:zlib'
import { DataError } from '../errors.ts'

/** 1 MiB reads: large enough that per-chunk overhead vanishes, small enough to stay streaming. */
const CHUNK_BYTES = 1 << 20

export interface TextChunkOptions {
  /** Told once per file about bytes that are not UTF-8 (they read as U+FFFD), with the first line. */
  onWarning?: ((message: string) => void) | null
}

const REPLACEMENT = 0xfffd

export async function* textChunks(file: string, o: TextChunkOptions = {}): AsyncGenerator<string> {
  const raw = createReadStream(file, { highWaterMark: CHUNK_BYTES })
  const gz = file.toLowerCase().endsWith('.gz')
  const stream = gz ? raw.pipe(createGunzip()) : raw
  // Without a forwarded error, a failed read stream would leave the gunzip stream waiting forever.
  if (stream !== raw) raw.on('error', (err) => stream.destroy(err))
  // A streaming decoder keeps a multi-byte character whole when it straddles two chunks, and drops a BOM.
  const decoder = new TextDecoder('utf-8')
  let first = true
  let lines = 0
  let warned = false
  try {
    for await (const bytes of stream as AsyncIterable<Buffer>) {
      if (first && bytes.length > 0) {
        first = false
        checkNotUtf16(bytes, file)
      }
      const chunk = decoder.decode(bytes, { stream: true })
      if (!warned && o.onWarning && hasInvalidUtf8(chunk, bytes)) {
        warned = true
        const at = chunk.indexOf(String.fromCharCode(REPLACEMENT))
        const line = lines + countNewlines(chunk, at) + 1
        o.onWarning(
          `${file}, line ${line}: bytes that are not UTF-8 (read as U+FFFD); ` +
            'convert the file to UTF-8 (e.g. iconv -f latin1 -t utf-8 IN > OUT) or the texts will differ from what you see',
        )
      }
      if (o.onWarning) lines += countNewlines(chunk, chunk.length)
      if (chunk.length > 0) yield chunk
    }
    const rest = decoder.decode()
    if (rest.length > 0) yield rest
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (gz && typeof code === 'string' && code.startsWith('Z_')) {
      throw new DataError(
        `is not a readable gzip file (${(err as Error).message}); it may be truncated (download or copy it again) ` +
          'or not gzip-compressed at all (then remove the .gz from its name)',
        { file },
        { cause: err },
      )
    }
    throw err
  }
}

/**
 * A UTF-16 file decoded as UTF-8 reads as text with a NUL in every other byte, and then fails as
 * "invalid JSON" or a wrong header. Its BOM, or NULs in the first bytes, tell it apart.
 */
function checkNotUtf16(bytes: Uint8Array, file: string): void {
  const bom =
    bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
  let nuls = 0
  const n = Math.min(bytes.length, 512)
  for (let i = 0; i < n; i++) if (bytes[i] === 0) nuls++
  if (bom || (n >= 4 && nuls * 4 >= n)) {
    throw new DataError(
      `looks UTF-16 encoded${bom ? ' (it starts with a UTF-16 byte order mark)' : ' (every other byte is 0)'}; ` +
        'rewardfit reads UTF-8: convert it first, e.g. iconv -f utf-16 -t utf-8 IN > OUT',
      { file },
    )
  }
}

/** More U+FFFD in the text than EF BF BD sequences in the bytes: some bytes were not UTF-8. */
function hasInvalidUtf8(text: string, bytes: Uint8Array): boolean {
  let decoded = 0
  for (let i = text.indexOf('\uFFFD'); i !== -1; i = text.indexOf('\uFFFD', i + 1)) decoded++
  if (decoded === 0) return false
  let literal = 0
  for (let i = 0; i + 2 < bytes.length; i++)
    if (bytes[i] === 0xef && bytes[i + 1] === 0xbf && bytes[i + 2] === 0xbd) literal++
  return decoded > literal
}

function countNewlines(text: string, end: number): number {
  let n = 0
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) n++
  return n
}

export interface TextLine {
  /** The line without its '\n' or '\r\n'. */
  text: string
  /** 1-based physical line number. */
  line: number
}

export async function* readLines(chunks: AsyncIterable<string>): AsyncGenerator<TextLine[]> {
  let rest = ''
  let line = 0
  for await (const chunk of chunks) {
    const buf = rest + chunk
    const batch: TextLine[] = []
    let start = 0
    for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n', start)) {
      const end = nl > start && buf.charCodeAt(nl - 1) === 13 ? nl - 1 : nl
      batch.push({ text: buf.slice(start, end), line: ++line })
      start = nl + 1
    }
    rest = buf.slice(start)
    if (batch.length > 0) yield batch
  }
  if (rest.length > 0) yield [{ text: rest.endsWith('\r') ? rest.slice(0, -1) : rest, line: ++line }]
}
