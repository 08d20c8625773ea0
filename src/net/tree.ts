/**
 * A Hub repo's file listing (`GET {endpoint}/api/{datasets|models}/{repo}/tree/{revision}?recursive=true`,
 * paginated through `Link: <…>; rel="next"`), with each file's size and checksums: the LFS sha256
 * for files stored in LFS, the git blob sha1 (`oid`) for files kept in git.
 *
 * @example
 *   await listRepoTree(treeUrl('https://huggingface.co', 'models', 'Xenova/all-MiniLM-L6-v2', 'main'), token, onError)
 *   // [{ path: 'onnx/model.onnx', size: 90387606, oid: '…', sha256: '…' }, …]
 */
import { authHeaders, HubHttpError, hubFetch } from './http.ts'

/** One file of a repo, as the tree API lists it. */
export interface RepoFile {
  path: string
  /** Bytes of the file itself (for LFS files: the LFS object, not the pointer). */
  size: number
  /** git blob sha1; for LFS files the pointer's, so it checks nothing about the content. */
  oid?: string
  /** sha256 of the content, for LFS files. */
  sha256?: string
}

export type RepoKind = 'datasets' | 'models'

const enc = (s: string) => s.split('/').map(encodeURIComponent).join('/')

export function treeUrl(endpoint: string, kind: RepoKind, repo: string, revision: string): string {
  // The revision is one path segment even when it has slashes (refs/convert/parquet), as huggingface_hub quotes it.
  return `${endpoint}/api/${kind}/${enc(repo)}/tree/${encodeURIComponent(revision)}?recursive=true&expand=false`
}

/** `{endpoint}/[datasets/]{repo}/resolve/{revision}/{path}` (the Hub redirects LFS files to a CDN). */
export function resolveUrl(endpoint: string, kind: RepoKind, repo: string, revision: string, path: string): string {
  const prefix = kind === 'datasets' ? 'datasets/' : ''
  return `${endpoint}/${prefix}${enc(repo)}/resolve/${encodeURIComponent(revision)}/${enc(path)}`
}

interface TreeItem {
  type: 'file' | 'directory' | string
  path: string
  size: number
  oid?: string
  lfs?: { oid: string; size: number; pointerSize?: number }
}

/** Every file listed at `url`, following pagination; a non-OK answer becomes `onError(res)`. */
export async function listRepoTree(
  url: string,
  token: string | null | undefined,
  onError: (res: Response) => Promise<Error>,
): Promise<RepoFile[]> {
  const out: RepoFile[] = []
  let next: string | null = url
  while (next) {
    const res = await hubFetch(next, { headers: { accept: 'application/json', ...authHeaders(token) } })
    if (!res.ok) throw await onError(res)
    const items = (await res.json().catch(() => null)) as TreeItem[] | null
    if (!Array.isArray(items)) throw new HubHttpError(res.status, `unexpected tree listing from ${next}`)
    for (const it of items) {
      if (it.type !== 'file') continue
      out.push(
        it.lfs
          ? { path: it.path, size: it.lfs.size, oid: it.oid, sha256: it.lfs.oid }
          : { path: it.path, size: it.size, oid: it.oid },
      )
    }
    next = nextLink(res.headers.get('link'), next)
  }
  return out
}

function nextLink(link: string | null, base: string): string | null {
  const m = link?.match(/<([^>]+)>\s*;\s*rel="?next"?/)
  return m ? new URL(m[1], base).toString() : null
}
