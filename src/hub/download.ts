/**
 * Downloads one file into the cache: into `{dest}.part`, resuming an interrupted `.part` with an
 * HTTP Range request, then checking its size and hash (the LFS sha256, or the git blob sha1 for
 * small files kept in git) before renaming it to `dest`. A file that fails a check is deleted, so
 * the cache only ever holds verified files under their final names.
 *
 * @example
 *   await downloadFile(url, '/cache/…/train.jsonl.gz', { size: 1024, sha256: '…', token: null, retries: 3 })
 */
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, rename, rm, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { RewardfitError } from '../errors.ts'
import { authHeaders, HubHttpError, HubUnreachableError, hubFetch } from './api.ts'
import type { DownloadProgress } from './options.ts'

export interface DownloadTarget {
  /** Expected byte length. */
  size: number
  /** sha256 hex of the content (LFS / Xet files). */
  sha256?: string
  /** git blob sha1 (files stored in git itself); checked when there is no sha256. */
  gitOid?: string
  token: string | null
  /** Extra attempts after a dropped connection, each resuming from the bytes already on disk. */
  retries: number
  /** For messages and progress: the path inside the repo. */
  label?: string
  onProgress?: ((p: DownloadProgress) => void) | null
}

/** A downloaded file that is not what the Hub listed; it has been deleted. */
export class IntegrityError extends RewardfitError {
  override name = 'IntegrityError'
}

async function sizeOf(path: string): Promise<number> {
  return stat(path).then(
    (s) => s.size,
    () => 0,
  )
}

export async function hashFile(path: string, algo: 'sha256' | 'sha1', prefix?: string): Promise<string> {
  const h = createHash(algo)
  if (prefix) h.update(prefix)
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer)
  return h.digest('hex')
}

export async function downloadFile(url: string, dest: string, t: DownloadTarget): Promise<void> {
  const label = t.label ?? dest
  const part = `${dest}.part`
  await mkdir(dirname(dest), { recursive: true })
  let lastError: Error | undefined
  for (let attempt = 0; attempt <= t.retries; attempt++) {
    let have = await sizeOf(part)
    // A .part longer than the file cannot be a prefix of it.
    if (have > t.size) {
      await rm(part, { force: true })
      have = 0
    }
    if (have === t.size && t.size > 0) {
      lastError = undefined
      break
    }
    const headers: Record<string, string> = { ...authHeaders(t.token), 'accept-encoding': 'identity' }
    if (have > 0) headers.range = `bytes=${have}-`
    let res: Response
    try {
      res = await hubFetch(url, { headers })
    } catch (err) {
      lastError = err as Error
      continue
    }
    if (res.status === 416) {
      // The server will not serve our range: the .part is stale; start over.
      await res.body?.cancel()
      await rm(part, { force: true })
      continue
    }
    if (!res.ok) {
      const text = await res.text().catch(() => '')
      const err = new HubHttpError(
        res.status,
        `downloading ${label}: the Hub answered ${res.status} ${res.statusText} ${text.slice(0, 200)}`.trim(),
      )
      if (res.status >= 500) {
        lastError = err
        continue
      }
      throw err
    }
    const resumed = res.status === 206
    if (!resumed) have = 0 // the server ignored Range and sent the whole file
    const length = Number(res.headers.get('content-length') ?? Number.NaN)
    if (Number.isFinite(length) && have + length !== t.size) {
      await res.body?.cancel()
      await rm(part, { force: true })
      throw new IntegrityError(
        `${label}: the server sends ${have + length} bytes but the Hub lists ${t.size}; nothing was kept. ` +
          'The dataset may have changed while downloading, or a proxy altered it; run the command again',
      )
    }
    let done = have
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        done += chunk.length
        t.onProgress?.({ file: label, bytes: done, totalBytes: t.size })
        cb(null, chunk)
      },
    })
    const sink = createWriteStream(part, { flags: resumed ? 'a' : 'w' })
    try {
      if (!res.body) throw new Error('empty response body')
      await pipeline(Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>), counter, sink)
      lastError = undefined
      break
    } catch (err) {
      // pipeline rejects before the file is closed; the next attempt measures the .part, so wait.
      if (!sink.closed) await new Promise<void>((resolve) => sink.once('close', () => resolve()))
      // Keep the .part: the next attempt (or the next run) resumes from its end.
      lastError = new HubUnreachableError(
        `downloading ${label}: the connection dropped after ${done} of ${t.size} bytes`,
        {
          cause: err,
        },
      )
    }
  }
  if (lastError) {
    throw new HubUnreachableError(
      `${lastError.message}; gave up after ${t.retries + 1} attempts — run again to resume`,
      {
        cause: lastError,
      },
    )
  }
  await verify(part, t, label)
  await rename(part, dest)
}

async function verify(part: string, t: DownloadTarget, label: string): Promise<void> {
  const got = await sizeOf(part)
  const fail = async (what: string) => {
    await rm(part, { force: true })
    return new IntegrityError(`${label}: ${what}; the download was deleted. Run the command again to re-download`)
  }
  if (got !== t.size) throw await fail(`got ${got} bytes, the Hub lists ${t.size}`)
  const mismatch = await hashMismatch(part, t)
  if (mismatch) throw await fail(mismatch)
}

/** Why the file's content is not the listed one (sha256, else git blob sha1), or null when it is (or nothing is known). */
export async function hashMismatch(
  path: string,
  t: Pick<DownloadTarget, 'size' | 'sha256' | 'gitOid'>,
): Promise<string | null> {
  if (t.sha256) {
    const h = await hashFile(path, 'sha256')
    return h === t.sha256 ? null : `sha256 ${h} does not match the Hub's ${t.sha256}`
  }
  if (t.gitOid && /^[0-9a-f]{40}$/.test(t.gitOid)) {
    // Files kept in git (not LFS) are named by sha1("blob <size>\0" + content).
    const h = await hashFile(path, 'sha1', `blob ${t.size}\0`)
    return h === t.gitOid ? null : `git blob sha1 ${h} does not match the Hub's ${t.gitOid}`
  }
  return null
}
