/**
 * Publishes a folder with no moment at which its path is missing. The content is written into a
 * versioned sibling `.NAME.v-TAG`, and NAME is a symbolic link to it; a new save writes a new
 * version, makes a new link beside it and renames that link over NAME. rename(2) replaces the
 * old link atomically, so a reader (or a kill at any step) sees the old folder or the new one,
 * never none. The old version is removed afterwards; a kill before that leaves it for the next run's
 * clean-up (its owner's PID is in its name, see stale-temps.ts).
 *
 * A real folder at NAME (written by an older rewardfit) cannot be swapped for a link in one
 * rename: it is moved aside to `.NAME.old-TAG` first. If a kill falls between the two renames, the
 * next load or save of NAME puts it back. Where symbolic links are not allowed (Windows without
 * the right), the folder is replaced by the same two renames.
 *
 * @example
 *   await publishFolder('models/rm', async (dir) => writeFile(join(dir, 'config.json'), text))
 *   // models/rm -> .rm.v-4711-lx2k9c-a3f09b
 */
import { lstat, mkdir, readdir, readlink, realpath, rename, rm, symlink } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { killPoint } from '../kill-point.ts'
import { isProcessAlive, ownerOf, removeStaleTemps, tempTag } from '../stale-temps.ts'

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Temp names around NAME: versions, links being made, folders moved aside, and older `.tmp-`. */
const tempPatterns = (base: string) => [new RegExp(`^\\.${escapeRegExp(base)}\\.(?:v|link|old|tmp)-(\\d+)-`)]
const versionPattern = (base: string) => new RegExp(`^\\.${escapeRegExp(base)}\\.v-\\d+-`)

/**
 * Where to publish `dir`: itself, or, when it is a link the user made to a folder elsewhere, that
 * folder (its content is replaced; the user's link stays).
 */
export async function publishTarget(dir: string): Promise<string> {
  const target = resolve(dir)
  const link = await readlink(target).catch(() => null)
  if (link === null || versionPattern(basename(target)).test(link)) return target
  return realpath(target).catch(() => target)
}

/** The version folder NAME links to, or null when NAME is not one of our links. */
async function currentVersion(target: string): Promise<string | null> {
  const link = await readlink(target).catch(() => null)
  return link !== null && versionPattern(basename(target)).test(link) ? link : null
}

/**
 * After a kill between "move the old folder aside" and "link the new one", NAME is missing and the
 * old model waits under `.NAME.old-TAG` of a dead process: put it back. Returns true if it did.
 */
export async function recoverInterrupted(target: string): Promise<boolean> {
  if (await lstat(target).catch(() => null)) return false
  const base = basename(target)
  const parent = dirname(target)
  const old = new RegExp(`^\\.${escapeRegExp(base)}\\.old-(\\d+)-`)
  const names = await readdir(parent).catch(() => [] as string[])
  const candidates = names.filter((n) => {
    const pid = ownerOf(n, [old])
    return pid !== null && !isProcessAlive(pid)
  })
  for (const name of candidates.sort().reverse()) {
    try {
      await rename(join(parent, name), target)
      return true
    } catch {
      // Someone else restored it first, or it is not ours to move: try the next.
    }
  }
  return false
}

/** Removes what killed saves of NAME left behind, never the version NAME links to. */
export async function removeStaleVersions(target: string): Promise<string[]> {
  const current = await currentVersion(target)
  return removeStaleTemps(dirname(target), tempPatterns(basename(target)), (name) => name === current)
}

/**
 * Writes a new version with `write(dir)` and publishes it at `target` (an absolute path from
 * publishTarget). If `write` throws, nothing is changed.
 */
export async function publishFolder(target: string, write: (dir: string) => Promise<void>): Promise<void> {
  const parent = dirname(target)
  const base = basename(target)
  await mkdir(parent, { recursive: true })
  await recoverInterrupted(target)
  await removeStaleVersions(target)
  const version = join(parent, `.${base}.v-${tempTag()}`)
  await mkdir(version)
  try {
    await write(version)
  } catch (err) {
    await rm(version, { recursive: true, force: true })
    throw err
  }
  killPoint('save:written')
  const existing = await lstat(target).catch(() => null)
  const previous = await currentVersion(target)
  const link = join(parent, `.${base}.link-${tempTag()}`)
  try {
    await symlink(basename(version), link, 'dir')
  } catch {
    return replaceByRenames(target, version, existing !== null)
  }
  killPoint('save:linked')
  try {
    if (existing && !existing.isSymbolicLink()) {
      const aside = join(parent, `.${base}.old-${tempTag()}`)
      await rename(target, aside)
      killPoint('save:moved-aside')
      await rename(link, target).catch(async (err) => {
        await rename(aside, target)
        throw err
      })
      await rm(aside, { recursive: true, force: true })
      return
    }
    await rename(link, target)
  } catch (err) {
    await rm(link, { force: true })
    await rm(version, { recursive: true, force: true })
    throw err
  }
  killPoint('save:swapped')
  if (previous) await rm(join(parent, previous), { recursive: true, force: true })
}

/** Without symbolic links: the old folder aside, the new one in its place, the old one removed. */
async function replaceByRenames(target: string, version: string, existing: boolean): Promise<void> {
  const aside = join(dirname(target), `.${basename(target)}.old-${tempTag()}`)
  if (existing) await rename(target, aside)
  try {
    await rename(version, target)
  } catch (err) {
    if (existing) await rename(aside, target)
    await rm(version, { recursive: true, force: true })
    throw err
  }
  if (existing) await rm(aside, { recursive: true, force: true })
}
