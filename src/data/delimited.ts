/**
 * CSV/TSV reading: RFC 4180 quoting (a field that starts with '"' runs to the next lone '"', with
 * '""' for a literal quote and embedded newlines allowed), or `quote: 'none'`, where every physical
 * line is one row split on the delimiter only. The first row is the header.
 *
 * 'none' exists because some corpora (MLQE-PE's TSVs) hold stray double quotes: honouring them
 * silently merges rows. Under 'auto' quoting in a TSV, a quoted field spanning lines is reported
 * through `onWarning`, since in a TSV that is nearly always such a stray quote.
 *
 * @example
 *   for await (const batch of readDelimited('ratings.tsv', { delimiter: '\t', quote: 'none' }))
 *     for (const r of batch) if (!isBadRecord(r)) console.log(r.line, r.values.original)   // 2 'Simultaneously, ...'
 */
import { DataError } from '../errors.ts'
import type { RecordOrError } from './raw-record.ts'
import { readLines, type TextChunkOptions, textChunks } from './text-stream.ts'

export type QuoteMode = 'auto' | 'none'

export interface DelimitedOptions {
  delimiter: string
  quote: QuoteMode
  /** Called with a human-readable message for suspicious but readable input. */
  onWarning?: (message: string) => void
}

/** One parsed row: its fields, and the physical lines it spans (1-based, inclusive). */
export interface DelimitedRow {
  fields: string[]
  line: number
  endLine: number
  /** True when a quoted field held a newline. */
  spansLines: boolean
  /** True when text followed a closing quote ('"a"b'): malformed quoting whose quotes were dropped. */
  strayQuote: boolean
}

const QUOTE = 34
const LF = 10
const CR = 13

enum State {
  FieldStart,
  Unquoted,
  Quoted,
  /** Just saw '"' inside a quoted field: either an escaped '""' or the closing quote. */
  QuoteInQuoted,
  /** After the closing quote, before the delimiter. */
  AfterQuoted,
}

/**
 * Incremental RFC 4180 parser: push chunks, collect finished rows. Kept synchronous and separate from
 * the file so chunk boundaries (mid-field, mid-'""', mid-'\r\n') are easy to test.
 */
export class QuotedRowParser {
  private state = State.FieldStart
  private field = ''
  private fields: string[] = []
  private line = 1
  private rowLine = 1
  private spans = false
  private stray = false
  private readonly delim: number

  constructor(
    delimiter: string,
    private readonly file = '<input>',
  ) {
    this.delim = delimiter.charCodeAt(0)
  }

  push(chunk: string): DelimitedRow[] {
    const out: DelimitedRow[] = []
    const d = this.delim
    const n = chunk.length
    let i = 0
    while (i < n) {
      const c = chunk.charCodeAt(i)
      switch (this.state) {
        case State.FieldStart:
          if (c === QUOTE) {
            this.state = State.Quoted
            i++
            continue
          }
          this.state = State.Unquoted
          continue // re-read c as part of an unquoted field
        case State.Unquoted: {
          // Fast path: copy the run of ordinary characters in one slice.
          let j = i
          while (j < n) {
            const cj = chunk.charCodeAt(j)
            if (cj === d || cj === LF) break
            j++
          }
          this.field += chunk.slice(i, j)
          i = j
          if (i === n) continue
          if (chunk.charCodeAt(i) === d) this.endField()
          else {
            // A CR before LF belongs to the line ending, not the field.
            if (this.field.endsWith('\r')) this.field = this.field.slice(0, -1)
            this.endRow(out)
          }
          i++
          continue
        }
        case State.Quoted: {
          let j = i
          while (j < n) {
            const cj = chunk.charCodeAt(j)
            if (cj === QUOTE) break
            if (cj === LF) {
              this.line++
              this.spans = true
            }
            j++
          }
          this.field += chunk.slice(i, j)
          i = j
          if (i < n) {
            this.state = State.QuoteInQuoted
            i++
          }
          continue
        }
        case State.QuoteInQuoted:
          if (c === QUOTE) {
            this.field += '"'
            this.state = State.Quoted
            i++
            continue
          }
          this.state = State.AfterQuoted
          continue
        case State.AfterQuoted:
          if (c === d) {
            this.endField()
          } else if (c === LF) {
            this.endRow(out)
          } else if (c !== CR) {
            // Text after a closing quote ('"a"b'): keep it, as Python's csv module does, rather than fail.
            this.field += chunk[i]
            this.state = State.Unquoted
            this.stray = true
          }
          i++
          continue
      }
    }
    return out
  }

  /** Flushes the last row; throws if the file ends inside a quoted field. */
  end(): DelimitedRow[] {
    if (this.state === State.Quoted) {
      throw new DataError(
        `a quoted field opened on line ${this.rowLine} is never closed before the end of the file; ` +
          "if the file holds stray double quotes, read it with quote 'none' (--quote none)",
        { file: this.file, line: this.rowLine },
      )
    }
    const out: DelimitedRow[] = []
    if (this.state !== State.FieldStart || this.fields.length > 0) {
      if (this.state === State.Unquoted && this.field.endsWith('\r')) this.field = this.field.slice(0, -1)
      this.endRow(out)
    }
    return out
  }

  private endField(): void {
    this.fields.push(this.field)
    this.field = ''
    this.state = State.FieldStart
  }

  private endRow(out: DelimitedRow[]): void {
    this.endField()
    // A blank line is no row at all (RFC 4180 is silent; every spreadsheet skips them).
    if (!(this.fields.length === 1 && this.fields[0] === '' && !this.spans)) {
      out.push({
        fields: this.fields,
        line: this.rowLine,
        endLine: this.line,
        spansLines: this.spans,
        strayQuote: this.stray,
      })
    }
    this.fields = []
    this.line++
    this.rowLine = this.line
    this.spans = false
    this.stray = false
  }
}

/** Rows of a delimited file, unquoted: one physical line, one row. Batched per chunk. */
async function* unquotedRows(file: string, delimiter: string, o: TextChunkOptions): AsyncGenerator<DelimitedRow[]> {
  for await (const lines of readLines(textChunks(file, o))) {
    const rows: DelimitedRow[] = []
    for (const { text, line } of lines) {
      if (text !== '')
        rows.push({ fields: text.split(delimiter), line, endLine: line, spansLines: false, strayQuote: false })
    }
    yield rows
  }
}

async function* quotedRows(file: string, delimiter: string, o: TextChunkOptions): AsyncGenerator<DelimitedRow[]> {
  const parser = new QuotedRowParser(delimiter, file)
  for await (const chunk of textChunks(file, o)) yield parser.push(chunk)
  yield parser.end()
}

/** At most this many quoting warnings per file, then one summary at the end. */
const MAX_QUOTE_WARNINGS = 10

/**
 * Records of a CSV/TSV file keyed by header names, in batches (one per chunk). Rows with the wrong
 * field count are BadRecords.
 */
export async function* readDelimited(file: string, options: DelimitedOptions): AsyncGenerator<RecordOrError[]> {
  const { delimiter, quote, onWarning } = options
  const rows =
    quote === 'none' ? unquotedRows(file, delimiter, { onWarning }) : quotedRows(file, delimiter, { onWarning })
  const isTsv = delimiter === '\t'
  const fix = "if the file holds stray double quotes, read it with quote 'none' (--quote none)"
  let suspicious = 0
  const warn = (message: string) => {
    if (++suspicious <= MAX_QUOTE_WARNINGS) onWarning?.(message)
  }
  let header: string[] | undefined
  let protoColumn = false
  for await (const batch of rows) {
    const out: RecordOrError[] = []
    for (const row of batch) {
      if (header === undefined) {
        header = row.fields.map((f) => f.trim())
        protoColumn = header.includes('__proto__')
        const seen = new Set<string>()
        for (const name of header) {
          if (seen.has(name)) {
            throw new DataError(`the header names column "${name}" twice; rename one so every column is unique`, {
              file,
              line: row.line,
            })
          }
          seen.add(name)
        }
        continue
      }
      // In a TSV a multi-line quoted field is almost always a stray quote swallowing rows; in a CSV it is normal.
      if (row.spansLines && isTsv) {
        warn(`${file}, line ${row.line}: a quoted field spans lines ${row.line}-${row.endLine} in a TSV; ${fix}`)
      }
      if (row.strayQuote) {
        warn(
          `${file}, line ${row.line}: text follows a closing double quote, so the field's quotes were dropped; ${fix}`,
        )
      }
      if (row.fields.length !== header.length) {
        const hint =
          quote === 'none'
            ? 'check for tabs or delimiters inside fields'
            : "check the quoting, or if the file holds stray double quotes read it with quote 'none' (--quote none)"
        out.push({
          error: new DataError(
            `found ${row.fields.length} fields but the header has ${header.length}${
              row.endLine > row.line ? ` (the row spans lines ${row.line}-${row.endLine})` : ''
            }; ${hint}`,
            { file, line: row.line },
          ),
          reason: 'field-count',
          line: row.line,
        })
        continue
      }
      // A column named __proto__ needs a null-prototype object, or assigning it would set the prototype.
      const values: Record<string, unknown> = protoColumn ? Object.create(null) : {}
      for (let k = 0; k < header.length; k++) values[header[k]] = row.fields[k]
      out.push({ values, line: row.line, unit: 'line' })
    }
    if (out.length > 0) yield out
  }
  if (suspicious > MAX_QUOTE_WARNINGS) {
    onWarning?.(`${file}: ${suspicious} quoting warnings in total (only the first ${MAX_QUOTE_WARNINGS} shown); ${fix}`)
  }
  if (header === undefined) throw new DataError('the file is empty; expected a header row and data rows', { file })
}
