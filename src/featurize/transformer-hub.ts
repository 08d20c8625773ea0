/**
 * Brings a Hub model (`hf:ORG/NAME`) into the local cache once, then every load is a local-folder load.
 * The cache uses transformers.js' FileCache layout ({cacheDir}/{ORG}/{NAME}/{file}, or
 * {cacheDir}/{ORG}/{NAME}/{revision}/{file} for a revision other than main), so both share downloads.
 *
 * We fetch the files ourselves rather than through transformers.js because its endpoint is the global
 * `env.remoteHost` (one featurizer's HF_ENDPOINT would leak into every other) and its metadata probes
 * ignore `local_files_only`; here the endpoint, token and offline flag are per call. Files come
 * through net/download.ts, the client `hf:` datasets use too: retries with backoff, resume, and the
 * size and sha256 (LFS) or git sha1 the model's tree listing (`/api/models/{id}/tree/{rev}`) gives.
 * A file the listing does not name (a mirror without the API, or a listing that is not recursive)
 * is still probed, with its size taken from the answer.
 *
 * @example
 *   const dir = await fetchHubModel('Xenova/all-MiniLM-L6-v2', { cacheDir: '/tmp/hub', offline: false })
 *   // '/tmp/hub/Xenova/all-MiniLM-L6-v2'  (config.json, tokenizer*.json, onnx/model.onnx)
 */
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { RewardfitError } from '../errors.ts'
import { DOWNLOAD_DEFAULTS, downloadFile } from '../net/download.ts'
import { HubHttpError } from '../net/http.ts'
import { listRepoTree, type RepoFile, resolveUrl, treeUrl } from '../net/tree.ts'
import { findModelFiles, ONNX_CANDIDATES, REQUIRED_FILES } from './transformer-files.ts'
import { HF_ENDPOINT_DEFAULT, type TransformerProgress } from './transformer-options.ts'

export interface HubFetchOptions {
  cacheDir: string
  revision?: string
  offline?: boolean
  endpoint?: string
  token?: string
  /** Extra attempts per file after a dropped connection or a 5xx (DOWNLOAD_DEFAULTS). */
  retries?: number
  /** Wait before the first retry, doubled for each further one. */
  retryDelayMs?: number
  onProgress?: (p: TransformerProgress) => void
}

/** The cache folder of a Hub model (transformers.js FileCache keys). */
export function hubCacheFolder(model: string, cacheDir: string, revision = 'main'): string {
  return revision === 'main' ? join(cacheDir, model) : join(cacheDir, model, revision)
}

function howToGet(model: string): string {
  return (
    `download it once with \`huggingface-cli download ${model} --local-dir DIR\` and use --backbone onnx:DIR, ` +
    'or run online (without --offline / REWARDFIT_OFFLINE) so rewardfit downloads it into the cache'
  )
}

/** Returns the local folder of the model, downloading the missing files unless offline. */
export async function fetchHubModel(model: string, o: HubFetchOptions): Promise<string> {
  const revision = o.revision ?? 'main'
  const folder = hubCacheFolder(model, o.cacheDir, revision)
  const cached = await findModelFiles(folder).then(
    () => true,
    () => false,
  )
  if (cached) return folder
  if (o.offline) {
    throw new RewardfitError(
      `model ${model} is not in the cache (${folder}) and rewardfit is offline; ${howToGet(model)}`,
    )
  }
  const endpoint = (o.endpoint ?? HF_ENDPOINT_DEFAULT).replace(/\/+$/, '')
  const listed = await listModelFiles(endpoint, model, revision, o.token)
  // Files already in the cache (from an interrupted earlier download) are kept: only verified files get there.
  const get = async (file: string) =>
    (await stat(join(folder, file)).then(
      (s) => s.isFile(),
      () => false,
    )) || fetchFile(endpoint, model, revision, file, listed, join(folder, file), o)
  for (const f of REQUIRED_FILES) {
    if (!(await get(f)))
      throw new RewardfitError(`model ${model} on ${endpoint} has no ${f}; is it a transformers model?`)
  }
  let onnx: string | undefined
  for (const c of ONNX_CANDIDATES) {
    if (await get(c)) {
      onnx = c
      break
    }
  }
  if (!onnx) {
    throw new RewardfitError(
      `model ${model} on ${endpoint} has no ONNX graph (${ONNX_CANDIDATES.join(' or ')}); pick an ONNX repo ` +
        '(e.g. Xenova/… or onnx-community/…), or export one with `optimum-cli export onnx --task feature-extraction` and use --backbone onnx:DIR',
    )
  }
  // External data for graphs over 2 GB; a missing file ends the list.
  for (let i = 0; await get(`${onnx}_data${i === 0 ? '' : `_${i}`}`); i++);
  return folder
}

/**
 * The model's files by path, with sizes and checksums; null when the Hub (or a mirror) offers no
 * listing, so files are fetched unchecked. 401/403 stop here with the fix.
 */
async function listModelFiles(
  endpoint: string,
  model: string,
  revision: string,
  token: string | undefined,
): Promise<Map<string, RepoFile> | null> {
  const url = treeUrl(endpoint, 'models', model, revision)
  try {
    const files = await listRepoTree(url, token, async (res) => {
      await res.body?.cancel()
      const hint =
        res.status === 401 || res.status === 403
          ? '; the model does not exist, or it is private or gated: check the name, and set HF_TOKEN for a private or gated one'
          : ''
      return new HubHttpError(
        res.status,
        `listing the files of model ${model} on ${endpoint}: HTTP ${res.status}${hint}`,
      )
    })
    return new Map(files.map((f) => [f.path, f]))
  } catch (err) {
    if (err instanceof HubHttpError && (err.status === 401 || err.status === 403)) throw err
    if (err instanceof HubHttpError) return null
    throw new RewardfitError(
      `cannot reach ${endpoint} to download model ${model} (${(err as Error).message}); check the network or HF_ENDPOINT, or go offline with a cached copy`,
      { cause: err },
    )
  }
}

/** Downloads one file of the model into dest (checked against the listing when it names it). false when absent. */
async function fetchFile(
  endpoint: string,
  model: string,
  revision: string,
  file: string,
  listed: Map<string, RepoFile> | null,
  dest: string,
  o: HubFetchOptions,
): Promise<boolean> {
  const entry = listed?.get(file)
  // Even a listing that does not recurse names every top-level file: a top-level file it lacks is not there.
  if (listed && !entry && !file.includes('/') && listed.size > 0) return false
  return downloadFile(resolveUrl(endpoint, 'models', model, revision, file), dest, {
    size: entry?.size,
    sha256: entry?.sha256,
    gitOid: entry?.oid,
    token: o.token ?? null,
    retries: o.retries ?? DOWNLOAD_DEFAULTS.retries,
    retryDelayMs: o.retryDelayMs ?? DOWNLOAD_DEFAULTS.retryDelayMs,
    missingOk: true,
    label: `${model} ${file}`,
    onProgress: o.onProgress
      ? (p) =>
          o.onProgress?.({
            phase: 'download',
            file,
            loadedBytes: p.bytes,
            totalBytes: Number.isFinite(p.totalBytes) ? p.totalBytes : undefined,
          })
      : null,
  })
}
