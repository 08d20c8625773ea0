/**
 * Temporary files and folders carry their owner's process id and host in their name (`tempTag()`),
 * so a later run can tell the leftovers of a killed run from the work in progress of a live one:
 * `removeStaleTemps` deletes the entries of a folder that match a pattern and whose owner process
 * is gone (process.kill(pid, 0) fails with ESRCH). Entries of live processes, including our own,
 * are kept, and so are those of another host (a folder shared by several machines, as a feature
 * store filled by workers: a PID means nothing here). A reused PID only makes a leftover live
 * longer; nothing of a live run is ever removed.
 *
 * @example
 *   const tmp = join(dir, `.tmp-entry-${tempTag()}`)     // '.tmp-entry-4711-h3fa09b12-lx2k9c-a3f09b'
 *   await removeStaleTemps(dir, [/^\.tmp-entry-(\d+)-/])   // ['.tmp-entry-4242-…'] (owner 4242 is gone)
 */
import { createHash, randomBytes } from 'node:crypto'
import { readdir, rm } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'

/** This machine in temp names: `h` and 8 hex digits of its host name's hash. */
export const HOST_TAG = `h${createHash('sha256').update(hostname()).digest('hex').slice(0, 8)}`

/** `PID-HOST-TIME-RANDOM`: unique per call; the owner's PID comes first for removeStaleTemps. */
export function tempTag(): string {
  return `${process.pid}-${HOST_TAG}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`
}

/** A temp name made on another machine (a name without a host tag counts as this machine's). */
export function fromOtherHost(name: string): boolean {
  const m = /-\d+-(h[0-9a-f]{8})-/.exec(name)
  return m !== null && m[1] !== HOST_TAG
}

/** True unless the process is certainly gone (EPERM: it exists but belongs to another user). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Removes the entries of `dir` whose name matches one of `patterns` (group 1 = the owner's PID) and
 * whose owner is gone, unless `keep(name)` says otherwise. Returns the names removed. A folder that
 * cannot be listed (missing, no permission) removes nothing: cleaning up must never fail a run.
 */
export async function removeStaleTemps(
  dir: string,
  patterns: readonly RegExp[],
  keep: (name: string) => boolean = () => false,
): Promise<string[]> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return []
  }
  const removed: string[] = []
  for (const name of names) {
    const pid = ownerOf(name, patterns)
    if (pid === null || fromOtherHost(name) || isProcessAlive(pid) || keep(name)) continue
    try {
      await rm(join(dir, name), { recursive: true, force: true })
      removed.push(name)
    } catch {
      // Another run may be removing it too, or it is not ours to remove: leave it.
    }
  }
  return removed
}

/** The owner PID a temp name carries, or null when no pattern matches. */
export function ownerOf(name: string, patterns: readonly RegExp[]): number | null {
  for (const p of patterns) {
    const m = p.exec(name)
    if (m) return Number(m[1])
  }
  return null
}
