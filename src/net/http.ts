/**
 * HTTP for downloads from the Hugging Face Hub (or a mirror): fetch with network failures turned
 * into HubUnreachableError (a cached copy may then be used) and refusals into HubHttpError (a real
 * answer that a cache fallback must not hide). Below data/ and featurize/, so both download here.
 *
 * @example
 *   const res = await hubFetch(url, { headers: authHeaders(token) })
 */
import { RewardfitError } from '../errors.ts'

/** A failed Hub request that reached the server (so a cache fallback would hide a real problem). */
export class HubHttpError extends RewardfitError {
  override name = 'HubHttpError'
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

/** The Hub could not be reached at all (DNS, refused, reset, timeout): a cached copy may be used. */
export class HubUnreachableError extends RewardfitError {
  override name = 'HubUnreachableError'
}

export function authHeaders(token: string | null | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {}
}

/** fetch that maps network failures to HubUnreachableError. */
export async function hubFetch(url: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(url, { redirect: 'follow', ...init })
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause
    throw new HubUnreachableError(
      `could not reach ${new URL(url).origin} (${cause?.code ?? cause?.message ?? (err as Error).message})`,
      {
        cause: err,
      },
    )
  }
}
