/**
 * What killed workers and drivers leave in a feature store: half-built entries (`.tmp-entry-*`),
 * partials and label files being written inside an entry (`.tmp-partial-*`, `.tmp-targets-*`),
 * manifests and slices (`.tmp-manifest-*`, `.slices/.tmp-slice-*`). Each name carries its owner's
 * PID and host (stale-temps.ts): those of a process gone from this machine are removed, those of a
 * live process or of another machine sharing the store are kept.
 *
 * @example
 *   await removeStoreTemps('store')                     // the driver: the whole store
 *   await removeStoreTemps('store', ['3fa…-9bc…'])      // a worker: the top level and its entry
 */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { removeStaleTemps } from '../stale-temps.ts'
import { SLICE_DIR } from './shard-slice.ts'

const TOP = [/^\.tmp-entry-(\d+)-/, /^\.tmp-manifest-(\d+)-/]
const IN_ENTRY = [/^\.tmp-partial-(\d+)-/, /^\.tmp-targets-(\d+)-/]
const IN_SLICES = [/^\.tmp-slice-(\d+)-/]

/**
 * Removes the stale temps of `storeDir`: at its top level, in its slices, and inside `entries`
 * (default: every entry folder). Returns the paths removed, relative to `storeDir`.
 */
export async function removeStoreTemps(storeDir: string, entries?: string[]): Promise<string[]> {
  const removed = (await removeStaleTemps(storeDir, TOP)).concat(
    (await removeStaleTemps(join(storeDir, SLICE_DIR), IN_SLICES)).map((n) => join(SLICE_DIR, n)),
  )
  const folders =
    entries ??
    (await readdir(storeDir, { withFileTypes: true }).catch(() => []))
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name)
  for (const entry of folders)
    removed.push(...(await removeStaleTemps(join(storeDir, entry), IN_ENTRY)).map((n) => join(entry, n)))
  return removed
}
