/**
 * sha256 of a (possibly multi-GB) model file, remembered in a small cache keyed by the file's
 * absolute path, size and mtime, so a 4 GB GGUF is hashed once (~10 s) rather than at every start.
 *
 * @example
 *   await sha256File('model.gguf', { cacheDir: '~/.cache/rewardfit' })  // '9f86d08…' (64 hex chars)
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'

export interface FileHashOptions {
  /** Where to remember hashes (`{cacheDir}/file-sha256/`); no caching when absent. */
  cacheDir?: string
}

/** Streams the file through sha256; hex digest. */
export async function sha256Stream(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

export async function sha256File(path: string, options: FileHashOptions = {}): Promise<string> {
  const abs = resolve(path)
  const st = await stat(abs)
  if (!options.cacheDir) return sha256Stream(abs)
  // The key changes whenever the file is replaced or rewritten (size or mtime), so a stale hash is never used.
  const key = createHash('sha256').update(`${abs}\n${st.size}\n${st.mtimeMs}`).digest('hex')
  const dir = join(options.cacheDir, 'file-sha256')
  const entry = join(dir, `${key}.txt`)
  const cached = await readFile(entry, 'utf8').catch(() => undefined)
  if (cached && /^[0-9a-f]{64}$/.test(cached.trim())) return cached.trim()
  const digest = await sha256Stream(abs)
  await mkdir(dir, { recursive: true })
  const tmp = `${entry}.${process.pid}.tmp`
  await writeFile(tmp, digest)
  await rename(tmp, entry)
  return digest
}
