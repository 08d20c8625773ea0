/**
 * Where Hub datasets live on disk, and the manifest that lets a later offline run find a split's
 * files again: `{cacheDir}/datasets/{org}/{name}/{revision}/{path in repo}` for the files and
 * `{cacheDir}/datasets/{org}/{name}/manifests/{revision}/{split}.json` for what a split resolved to.
 *
 * @example
 *   datasetDir('/c', 'nvidia/HelpSteer2')              // '/c/datasets/nvidia/HelpSteer2'
 *   cachedPath('/c', 'nvidia/HelpSteer2', 'main', 'train.jsonl.gz')
 *   // '/c/datasets/nvidia/HelpSteer2/main/train.jsonl.gz'
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { DataFormat } from '../data/options.ts'
import type { HubFileEntry } from './split-files.ts'

export interface ManifestFile extends HubFileEntry {
  /** The revision the file was downloaded from (main, or refs/convert/parquet). */
  revision: string
}

export interface SplitManifest {
  repo: string
  revision: string
  split: string
  format: DataFormat
  files: ManifestFile[]
}

// Revisions like refs/convert/parquet become one folder name, and nothing escapes the cache.
const segment = (s: string) => encodeURIComponent(s).replace(/^\.+/, (m) => '%2E'.repeat(m.length))

export function datasetDir(cacheDir: string, repo: string): string {
  return join(cacheDir, 'datasets', ...repo.split('/').map(segment))
}

export function cachedPath(cacheDir: string, repo: string, revision: string, path: string): string {
  return join(datasetDir(cacheDir, repo), segment(revision), ...path.split('/').map(segment))
}

function manifestPath(cacheDir: string, repo: string, revision: string, split: string): string {
  return join(datasetDir(cacheDir, repo), 'manifests', segment(revision), `${segment(split)}.json`)
}

export async function readManifest(
  cacheDir: string,
  repo: string,
  revision: string,
  split: string,
): Promise<SplitManifest | null> {
  try {
    return JSON.parse(await readFile(manifestPath(cacheDir, repo, revision, split), 'utf8')) as SplitManifest
  } catch {
    return null
  }
}

export async function writeManifest(cacheDir: string, m: SplitManifest): Promise<void> {
  const path = manifestPath(cacheDir, m.repo, m.revision, m.split)
  await mkdir(dirname(path), { recursive: true })
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, `${JSON.stringify(m, null, 2)}\n`)
  await rename(tmp, path)
}

/** The local paths of a manifest's files if every one is present with its listed size, else null. */
export async function completeCopy(cacheDir: string, m: SplitManifest): Promise<string[] | null> {
  const paths: string[] = []
  for (const f of m.files) {
    const local = cachedPath(cacheDir, m.repo, f.revision, f.path)
    const size = await stat(local).then(
      (s) => s.size,
      () => -1,
    )
    if (size !== f.size) return null
    paths.push(local)
  }
  return paths.length > 0 ? paths : null
}
