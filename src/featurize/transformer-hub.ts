/**
 * Brings a Hub model (`hf:ORG/NAME`) into the local cache once, then every load is a local-folder load.
 * The cache uses transformers.js' FileCache layout ({cacheDir}/{ORG}/{NAME}/{file}, or
 * {cacheDir}/{ORG}/{NAME}/{revision}/{file} for a revision other than main), so both share downloads.
 *
 * We fetch the files ourselves rather than through transformers.js because its endpoint is the global
 * `env.remoteHost` (one featurizer's HF_ENDPOINT would leak into every other) and its metadata probes
 * ignore `local_files_only`; here the endpoint, token and offline flag are per call.
 *
 * @example
 *   const dir = await fetchHubModel('Xenova/all-MiniLM-L6-v2', { cacheDir: '/tmp/hub', offline: false })
 *   // '/tmp/hub/Xenova/all-MiniLM-L6-v2'  (config.json, tokenizer*.json, onnx/model.onnx)
 */
import { mkdir, open, rename, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { RewardfitError } from '../errors.ts'
import { findModelFiles, ONNX_CANDIDATES, REQUIRED_FILES } from './transformer-files.ts'
import { HF_ENDPOINT_DEFAULT, type TransformerProgress } from './transformer-options.ts'

export interface HubFetchOptions {
  cacheDir: string
  revision?: string
  offline?: boolean
  endpoint?: string
  token?: string
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
  const base = `${endpoint}/${model}/resolve/${encodeURIComponent(revision)}/`
  // Files already in the cache (from an interrupted earlier download) are kept.
  const get = async (file: string) =>
    (await stat(join(folder, file)).then(
      (s) => s.isFile(),
      () => false,
    )) || fetchFile(base + file, join(folder, file), file, o)
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
  // External data for graphs over 2 GB; a 404 ends the list.
  for (let i = 0; await get(`${onnx}_data${i === 0 ? '' : `_${i}`}`); i++);
  return folder
}

/** Downloads url to dest atomically (temp file + rename). false on 404; throws on any other failure. */
async function fetchFile(url: string, dest: string, file: string, o: HubFetchOptions): Promise<boolean> {
  let res: Response
  try {
    res = await fetch(url, { headers: o.token ? { Authorization: `Bearer ${o.token}` } : {} })
  } catch (e) {
    throw new RewardfitError(
      `cannot reach ${url} (${(e as Error).message}); check the network or HF_ENDPOINT, or go offline with a cached copy`,
      {
        cause: e,
      },
    )
  }
  if (res.status === 404) {
    await res.body?.cancel()
    return false
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel()
    const hint = res.status === 401 || res.status === 403 ? '; a gated or private model needs HF_TOKEN' : ''
    throw new RewardfitError(`downloading ${url} failed: HTTP ${res.status}${hint}`)
  }
  const total = Number(res.headers.get('content-length')) || undefined
  await mkdir(dirname(dest), { recursive: true })
  const tmp = `${dest}.${process.pid}.${Date.now()}.part`
  const fh = await open(tmp, 'w')
  let loaded = 0
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      await fh.write(chunk)
      loaded += chunk.byteLength
      o.onProgress?.({ phase: 'download', file, loadedBytes: loaded, totalBytes: total })
    }
    await fh.close()
  } catch (e) {
    await fh.close().catch(() => {})
    await rm(tmp, { force: true })
    throw new RewardfitError(`downloading ${url} was interrupted: ${(e as Error).message}`, { cause: e })
  }
  if (total !== undefined && loaded !== total) {
    await rm(tmp, { force: true })
    throw new RewardfitError(`downloading ${url} stopped after ${loaded} of ${total} bytes; run again to retry`)
  }
  await rename(tmp, dest)
  return true
}
