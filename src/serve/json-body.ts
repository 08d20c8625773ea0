/**
 * Parses a request body as JSON, refusing what would stall the server: JSON.parse takes ~2 s on a
 * 4 MB body of nested brackets, so nesting deeper than MAX_JSON_DEPTH is rejected by a linear scan
 * first (the API's own bodies nest 3 levels).
 *
 * @example
 *   parseJsonBody('{"items": []}')   // { items: [] }
 *   parseJsonBody('[[[[...')         // throws HttpError 400 'JSON nested deeper than 64 levels ...'
 */
import { HttpError } from './http-errors.ts'

export const MAX_JSON_DEPTH = 64

/** True when brackets outside strings nest deeper than `limit`. */
export function jsonTooDeep(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92 /* \ */) i++
      else if (c === 34 /* " */) inString = false
    } else if (c === 34) inString = true
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > limit) return true
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--
  }
  return false
}

export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw new HttpError(400, 'the request body is empty; send a JSON object')
  if (jsonTooDeep(text))
    throw new HttpError(
      400,
      `malformed JSON: nested deeper than ${MAX_JSON_DEPTH} levels; the API's bodies nest 3 levels`,
    )
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new HttpError(
      400,
      `malformed JSON: ${(err as Error).message}; the body must be one JSON object (NaN and Infinity are not JSON)`,
    )
  }
}
