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

import { HubHttpError } from '../net/http.ts'
import { listRepoTree, resolveUrl as repoResolveUrl, treeUrl as repoTreeUrl } from '../net/tree.ts'
import type { ResolvedHubOptions } from './options.ts'
import type { HubFileEntry } from './split-files.ts'

export { authHeaders, HubHttpError, HubUnreachableError, hubFetch } from '../net/http.ts'

export const treeUrl = (endpoint: string, repo: string, revision: string): string =>
  repoTreeUrl(endpoint, 'datasets', repo, revision)

export const resolveUrl = (endpoint: string, repo: string, revision: string, path: string): string =>
  repoResolveUrl(endpoint, 'datasets', repo, revision, path)

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

/** Every file of the dataset at `revision`, following pagination. */
export function listDatasetTree(repo: string, revision: string, o: ResolvedHubOptions): Promise<HubFileEntry[]> {
  return listRepoTree(treeUrl(o.endpoint, repo, revision), o.token, (res) => hubHttpError(res, repo, revision, o.token))
}
