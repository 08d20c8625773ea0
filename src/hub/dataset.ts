/**
 * `--data hf:ORG/NAME[@REVISION][:SPLIT]`: finds a split's files on the Hugging Face Hub, downloads
 * them into the cache (resumable, size- and hash-checked, atomic) and returns local paths for the
 * data readers. Offline, or when the Hub cannot be reached, a complete cached copy is used.
 *
 * @example
 *   const { files, format } = await resolveHubDataset('hf:nvidia/HelpSteer2:train',
 *     hubOptionsFromEnv(process.env))
 *   // files: ['/home/me/.cache/rewardfit/datasets/nvidia/HelpSteer2/main/train.jsonl.gz'], format: 'jsonl'
 */
import { stat } from 'node:fs/promises'
import type { DataFormat } from '../data/options.ts'
import { RewardfitError } from '../errors.ts'
import { downloadFile, hashMismatch } from '../net/download.ts'
import { HubHttpError, HubUnreachableError, listDatasetTree, resolveUrl } from './api.ts'
import {
  cachedPath,
  completeCopy,
  type ManifestFile,
  readManifest,
  type SplitManifest,
  writeManifest,
} from './cache.ts'
import { type HubOptions, type ResolvedHubOptions, resolveHubOptions } from './options.ts'
import { type HubDatasetRef, parseHubRef } from './ref.ts'
import { formatOf, type HubFileEntry, pickConvertedParquet, pickSplitFiles } from './split-files.ts'

/** The Hub's auto-converted Parquet branch (the dataset viewer writes it for most public datasets). */
export const PARQUET_REVISION = 'refs/convert/parquet'

export interface HubDataset {
  /** Local paths, in the order the rows should be read. */
  files: string[]
  format: DataFormat
  repo: string
  revision: string
  split: string
  /** True when no network was used (offline, or the Hub was unreachable and the cache was complete). */
  fromCache: boolean
}

export async function resolveHubDataset(ref: string | HubDatasetRef, options: HubOptions = {}): Promise<HubDataset> {
  const r = typeof ref === 'string' ? parseHubRef(ref) : ref
  const o = resolveHubOptions(options)
  const name = `hf:${r.repo}@${r.revision}:${r.split}`
  if (o.offline) return fromCache(r, o, `offline mode is on (HF_HUB_OFFLINE / REWARDFIT_OFFLINE / --offline)`)
  let manifest: SplitManifest
  try {
    manifest = await locateSplit(r, o)
  } catch (err) {
    if (err instanceof HubUnreachableError) return fromCache(r, o, err.message, err)
    throw err
  }
  const previous = await readManifest(o.cacheDir, r.repo, r.revision, r.split)
  const files: string[] = []
  for (const f of manifest.files) {
    const dest = cachedPath(o.cacheDir, r.repo, f.revision, f.path)
    if (!(await isCached(dest, f, previous))) {
      try {
        await downloadFile(resolveUrl(o.endpoint, r.repo, f.revision, f.path), dest, {
          size: f.size,
          sha256: f.sha256,
          gitOid: f.oid,
          token: o.token,
          retries: o.retries,
          label: `${name} ${f.path}`,
          onProgress: o.onProgress,
        })
      } catch (err) {
        // The listing worked but a file did not: still record the manifest, so a rerun knows the files.
        await writeManifest(o.cacheDir, manifest)
        throw err
      }
    }
    files.push(dest)
  }
  await writeManifest(o.cacheDir, manifest)
  return { files, format: manifest.format, repo: r.repo, revision: r.revision, split: r.split, fromCache: false }
}

/** Lists the repo and picks the split's files: the repo's own layout first, else the Parquet branch. */
async function locateSplit(r: HubDatasetRef, o: ResolvedHubOptions): Promise<SplitManifest> {
  const tree = await listDatasetTree(r.repo, r.revision, o)
  const own = r.split.includes('/') ? null : pickSplitFiles(tree, r.split)
  if (own) return manifestOf(r, own.format, own.entries, r.revision)
  let converted: ReturnType<typeof pickConvertedParquet> | null = null
  try {
    converted = pickConvertedParquet(await listDatasetTree(r.repo, PARQUET_REVISION, o), r.split)
  } catch (err) {
    if (!(err instanceof HubHttpError && err.status === 404)) throw err
  }
  if (converted && converted.entries.length > 0) return manifestOf(r, 'parquet', converted.entries, PARQUET_REVISION)
  const dataFiles = tree.filter((e) => formatOf(e.path)).map((e) => e.path)
  const configs = converted?.configs.length
    ? `; Parquet configs: ${converted.configs.join(', ')} (use :CONFIG/SPLIT)`
    : ''
  throw new RewardfitError(
    `hf:${r.repo}@${r.revision}: no data files for split "${r.split}" ` +
      `(data files: ${dataFiles.slice(0, 12).join(', ') || 'none'}${dataFiles.length > 12 ? ', …' : ''}${configs}); ` +
      'name another split, e.g. hf:ORG/NAME:validation, or download the files and pass --data PATH',
  )
}

function manifestOf(r: HubDatasetRef, format: DataFormat, entries: HubFileEntry[], revision: string): SplitManifest {
  const files: ManifestFile[] = entries.map((e) => ({ ...e, revision }))
  return { repo: r.repo, revision: r.revision, split: r.split, format, files }
}

/** A file already downloaded with the same content as listed (same hash, or re-hashed when unknown). */
async function isCached(dest: string, f: ManifestFile, previous: SplitManifest | null): Promise<boolean> {
  const size = await stat(dest).then(
    (s) => s.size,
    () => -1,
  )
  if (size !== f.size) return false
  const before = previous?.files.find((p) => p.path === f.path && p.revision === f.revision)
  if (before && before.sha256 === f.sha256 && before.oid === f.oid) return true
  // No record (e.g. first seen under another split) or the repo changed: compare the content itself.
  if (!f.sha256 && !f.oid) return false
  return (await hashMismatch(dest, { size: f.size, sha256: f.sha256, gitOid: f.oid })) === null
}

async function fromCache(r: HubDatasetRef, o: ResolvedHubOptions, why: string, cause?: Error): Promise<HubDataset> {
  const m = await readManifest(o.cacheDir, r.repo, r.revision, r.split)
  const files = m ? await completeCopy(o.cacheDir, m) : null
  if (m && files)
    return { files, format: m.format, repo: r.repo, revision: r.revision, split: r.split, fromCache: true }
  throw new RewardfitError(
    `hf:${r.repo}@${r.revision}:${r.split}: ${why}, and ${m ? 'the cached copy is incomplete' : 'there is no cached copy'} ` +
      `in ${o.cacheDir}. Run once with network access (unset HF_HUB_OFFLINE / REWARDFIT_OFFLINE), ` +
      'point HF_ENDPOINT at a reachable mirror, or download the files yourself and pass --data PATH',
    { cause },
  )
}
