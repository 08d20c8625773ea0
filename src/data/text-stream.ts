/**
 * Streams a text file as UTF-8 string chunks (gunzipping `.gz` on the fly, dropping a leading BOM),
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

/** 1 MiB reads: large enough that per-chunk overhead vanishes, small enough to stay streaming. */
const CHUNK_BYTES = 1 << 20

export async function* textChunks(file: string): AsyncGenerator<string> {
  const raw = createReadStream(file, { highWaterMark: CHUNK_BYTES })
  const stream = file.toLowerCase().endsWith('.gz') ? raw.pipe(createGunzip()) : raw
  // Without a forwarded error, a failed read stream would leave the gunzip stream waiting forever.
  if (stream !== raw) raw.on('error', (err) => stream.destroy(err))
  // setEncoding keeps a multi-byte character whole when it straddles two chunks.
  stream.setEncoding('utf8')
  let first = true
  for await (const chunk of stream as AsyncIterable<string>) {
    if (first && chunk.length > 0) {
      first = false
      yield chunk.charCodeAt(0) === 0xfeff ? chunk.slice(1) : chunk
    } else if (chunk.length > 0) yield chunk
  }
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
