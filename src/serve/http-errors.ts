/**
 * The one place that maps errors to HTTP statuses and the error body every route returns:
 * `{"error": {"message": "...", "field": "items[2].response" | null}}`.
 * Bad input is always a 4xx; only a failure of the server itself is a 500.
 *
 * @example
 *   errorResponse(new HttpError(413, 'too many items', 'items'))
 *   // { status: 413, body: { error: { message: 'too many items', field: 'items' } } }
 */
import { ZodError } from 'zod'
import { DataError, OptionError } from '../errors.ts'

/** An error whose status and message are meant for the client. */
export class HttpError extends Error {
  override name = 'HttpError'
  constructor(
    readonly status: number,
    message: string,
    readonly field: string | null = null,
  ) {
    super(message)
  }
}

export interface ErrorBody {
  error: { message: string; field: string | null }
}

export interface ErrorResponse {
  status: number
  body: ErrorBody
  /** True when the server itself failed (logged with its stack). */
  internal: boolean
}

const body = (message: string, field: string | null = null): ErrorBody => ({ error: { message, field } })

/** JSON path as written in the request: items[2].response */
export function fieldPath(path: readonly PropertyKey[]): string | null {
  let s = ''
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${String(p)}` : String(p)
  return s || null
}

export function errorResponse(err: unknown): ErrorResponse {
  if (err instanceof HttpError) return { status: err.status, body: body(err.message, err.field), internal: false }
  if (err instanceof ZodError) return { status: 400, body: zodMessage(err), internal: false }
  if (err instanceof OptionError) return { status: 400, body: body(err.message, err.option), internal: false }
  if (err instanceof DataError)
    return { status: 400, body: body(err.message, err.where.field ?? null), internal: false }
  const e = err as { code?: string; statusCode?: number; message?: string }
  switch (e?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        body: body(
          `request body is larger than the limit; send fewer or shorter items, or start the server with a larger --max-body-bytes`,
        ),
        internal: false,
      }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        body: body('unsupported content type; send the body as JSON with "Content-Type: application/json"'),
        internal: false,
      }
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, body: body('the request body is empty; send a JSON object'), internal: false }
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, body: body(`malformed JSON: ${e.message}`), internal: false }
  }
  // JSON.parse failures (and secure-json-parse's __proto__ guard) reach here as 400 SyntaxErrors.
  if (err instanceof SyntaxError || (e?.statusCode === 400 && /JSON|prototype/i.test(e.message ?? ''))) {
    return {
      status: 400,
      body: body(`malformed JSON: ${e.message}; the body must be one JSON object (NaN and Infinity are not JSON)`),
      internal: false,
    }
  }
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: e.statusCode, body: body(e.message ?? 'bad request'), internal: false }
  }
  return { status: 500, body: body('internal server error; the server log has the details'), internal: true }
}

const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v)

/** The first issue of a failed validation, phrased for the client, with its field. */
function zodMessage(err: ZodError): ErrorBody {
  // An unknown field explains the rest (a typo'd name also makes the real one "missing"): report it first.
  const issue = err.issues.find((i) => i.code === 'unrecognized_keys') ?? err.issues[0]
  const field = fieldPath(issue.path)
  const where = field ?? 'the body'
  switch (issue.code) {
    case 'unrecognized_keys': {
      const keys = issue.keys.map((k) => `"${k}"`).join(', ')
      const at = field ? `${field}.${issue.keys[0]}` : issue.keys[0]
      return body(`unknown field ${keys} in ${where}; remove it (field names are case-sensitive)`, at)
    }
    case 'invalid_type': {
      const input = (issue as { input?: unknown }).input
      const got = typeName(input)
      if (got === 'undefined')
        return body(
          `${where} is required (expected ${issue.expected === 'int' ? 'an integer' : issue.expected})`,
          field,
        )
      if (got === 'number' && !Number.isFinite(input))
        return body(`${where} must be a finite number, got ${String(input)}`, field)
      if (issue.expected === 'int')
        return body(`${where} must be an integer, got ${got === 'number' ? String(input) : got}`, field)
      return body(`${where} must be ${article(issue.expected)}, got ${got}`, field)
    }
    case 'invalid_format':
    case 'invalid_value':
      return body(`${where}: ${issue.message}`, field)
    case 'too_small':
      if (issue.origin === 'array') return body(`${where} must not be empty`, field)
      return body(`${where} must be >= ${String(issue.minimum)}`, field)
    case 'too_big':
      return body(`${where} must be <= ${String(issue.maximum)}`, field)
    default:
      return body(`${where}: ${issue.message}`, field)
  }
}

const article = (t: string): string => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`)
