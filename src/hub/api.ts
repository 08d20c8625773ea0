/**
 * The two Hub endpoints a dataset download needs, with the Hub's errors turned into messages that
 * say what to do: the file tree (`GET {endpoint}/api/datasets/{repo}/tree/{revision}?recursive=true`,
 * paginated through `Link: <…>; rel="next"`) and file URLs (`{endpoint}/datasets/{repo}/resolve/{revision}/{path}`,
 * which the Hub redirects to a CDN; fetch follows the redirect).
 *
 * @example
 *   await listDatasetTree('nvidia/HelpSteer2', 'main', resolveHubOptions())
 *   // [{ path: 'train.jsonl.gz', size: 11938545, oid: '…', sha256: '…' }, …]
 */
import { RewardfitError } from '../errors.ts'
import type { ResolvedHubOptions } from './options.ts'
import type { HubFileEntry } from './split-files.ts'

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

const enc = (s: string) => s.split('/').map(encodeURIComponent).join('/')

export function treeUrl(endpoint: string, repo: string, revision: string): string {
  // The revision is one path segment even when it has slashes (refs/convert/parquet), as huggingface_hub quotes it.
  return `${endpoint}/api/datasets/${enc(repo)}/tree/${encodeURIComponent(revision)}?recursive=true&expand=false`
}

export function resolveUrl(endpoint: string, repo: string, revision: string, path: string): string {
  return `${endpoint}/datasets/${enc(repo)}/resolve/${encodeURIComponent(revision)}/${enc(path)}`
}

export function authHeaders(token: string | null): Record<string, string> {
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

/** Turns a non-OK Hub response into an error that names the dataset and the fix. */
export async function hubHttpError(
  res: Response,
  repo: string,
  revision: string,
  token: string | null,
): Promise<HubHttpError> {
  const body = await res.text().catch(() => '')
  let detail = ''
  try {
    detail = (JSON.parse(body) as { error?: string }).error ?? ''
  } catch {
    detail = body.slice(0, 200)
  }
  const page = `https://huggingface.co/datasets/${repo}`
  const said = detail ? ` (the Hub said: ${detail})` : ''
  switch (res.status) {
    case 401:
      return new HubHttpError(
        401,
        token
          ? `hf:${repo}: the Hub rejected the token (401)${said}; check that HF_TOKEN is valid and has read access to this dataset`
          : `hf:${repo}: the dataset is private or does not exist (401)${said}; if it is private, set HF_TOKEN to a token with read access (https://huggingface.co/settings/tokens)`,
      )
    case 403:
      return new HubHttpError(
        403,
        `hf:${repo}: access denied (403)${said}; the dataset is probably gated: accept its conditions on ${page} with the account of your HF_TOKEN`,
      )
    case 404:
      return new HubHttpError(
        404,
        `hf:${repo}@${revision}: not found (404)${said}; check the dataset name and revision on ${page}`,
      )
    case 429:
      return new HubHttpError(
        429,
        `hf:${repo}: rate-limited by the Hub (429); wait a minute, or set HF_TOKEN (authenticated limits are higher)`,
      )
    default:
      return new HubHttpError(
        res.status,
        `hf:${repo}: the Hub answered ${res.status} ${res.statusText}${said}; retry later`,
      )
  }
}

interface TreeItem {
  type: 'file' | 'directory' | string
  path: string
  size: number
  oid?: string
  lfs?: { oid: string; size: number; pointerSize?: number }
}

/** Every file of the dataset at `revision`, following pagination. */
export async function listDatasetTree(repo: string, revision: string, o: ResolvedHubOptions): Promise<HubFileEntry[]> {
  const out: HubFileEntry[] = []
  let url: string | null = treeUrl(o.endpoint, repo, revision)
  while (url) {
    const res = await hubFetch(url, { headers: { accept: 'application/json', ...authHeaders(o.token) } })
    if (!res.ok) throw await hubHttpError(res, repo, revision, o.token)
    const items = (await res.json()) as TreeItem[]
    if (!Array.isArray(items)) throw new HubHttpError(res.status, `hf:${repo}: unexpected tree listing from ${url}`)
    for (const it of items) {
      if (it.type !== 'file') continue
      out.push(
        it.lfs
          ? { path: it.path, size: it.lfs.size, oid: it.oid, sha256: it.lfs.oid }
          : { path: it.path, size: it.size, oid: it.oid },
      )
    }
    url = nextLink(res.headers.get('link'), url)
  }
  return out
}

function nextLink(link: string | null, base: string): string | null {
  const m = link?.match(/<([^>]+)>\s*;\s*rel="?next"?/)
  return m ? new URL(m[1], base).toString() : null
}
