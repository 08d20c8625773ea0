/**
 * The one download client (Hub datasets and hf: models): downloads a file into `{dest}.part`,
 * retrying dropped connections and 5xx/429 answers with exponential backoff, each attempt resuming
 * the `.part` with an HTTP Range request; then checks its size and hash (the LFS sha256, or the git
 * blob sha1 for small files kept in git) before renaming it to `dest`. A file that fails a check is
 * deleted, so a cache only ever holds verified files under their final names. Temp files of the
 * older per-process naming (`{dest}.PID.TIME.part`) whose owner is gone are removed on the way.
 *
 * @example
 *   await downloadFile(url, '/cache/…/train.jsonl.gz', { size: 1024, sha256: '…', token: null })
 *   await downloadFile(url, dest, { token: null, missingOk: true })   // false on 404; size from the answer
 */
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { setTimeout as sleep } from 'node:timers/promises'
import { RewardfitError } from '../errors.ts'
import { removeStaleTemps } from '../stale-temps.ts'
import { authHeaders, HubHttpError, HubUnreachableError, hubFetch } from './http.ts'

/** Bytes of one file downloaded so far. */
export interface DownloadProgress {
  /** Path of the file inside the repo. */
  file: string
  bytes: number
  /** NaN while the size is not known yet. */
  totalBytes: number
}

export interface DownloadTarget {
  /** Expected byte length (from the tree listing); unknown: taken from the server's answer. */
  size?: number
  /** sha256 hex of the content (LFS / Xet files). */
  sha256?: string
  /** git blob sha1 (files stored in git itself); checked when there is no sha256. */
  gitOid?: string
  token: string | null
  /** Extra attempts after a dropped connection or a 5xx/429, each resuming from the bytes on disk. */
  retries?: number
  /** Wait before the first retry; doubled for each further one (capped at 30 s). */
  retryDelayMs?: number
  /** A 404 returns false instead of throwing (probing optional files). */
  missingOk?: boolean
  /** For messages and progress: the path inside the repo. */
  label?: string
  onProgress?: ((p: DownloadProgress) => void) | null
}

export const DOWNLOAD_DEFAULTS = { retries: 3, retryDelayMs: 500 }

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

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** The total length of a 206 answer (`Content-Range: bytes a-b/total`), NaN when not given. */
function rangeTotal(res: Response): number {
  const m = /\/(\d+)\s*$/.exec(res.headers.get('content-range') ?? '')
  return m ? Number(m[1]) : Number.NaN
}

/** Downloads `url` to `dest` (see the module note). true when done; false on 404 with `missingOk`. */
export async function downloadFile(url: string, dest: string, t: DownloadTarget): Promise<boolean> {
  const label = t.label ?? dest
  const retries = t.retries ?? DOWNLOAD_DEFAULTS.retries
  const delay = t.retryDelayMs ?? DOWNLOAD_DEFAULTS.retryDelayMs
  const part = `${dest}.part`
  await mkdir(dirname(dest), { recursive: true })
  await removeStaleTemps(dirname(dest), [new RegExp(`^${escapeRe(basename(dest))}\\.(\\d+)\\.\\d+\\.part$`)])
  // Known from the listing, or learned from the first answer.
  let size = t.size ?? Number.NaN
  let lastError: Error | undefined
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await sleep(Math.min(30_000, delay * 2 ** (attempt - 1)))
    let have = await sizeOf(part)
    // A .part longer than the file cannot be a prefix of it.
    if (have > size) {
      await rm(part, { force: true })
      have = 0
    }
    if (have === size && size > 0) {
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
      lastError = new HubHttpError(416, `downloading ${label}: the server refused to resume`)
      continue
    }
    if (res.status === 404 && t.missingOk) {
      await res.body?.cancel()
      return false
    }
    if (!res.ok) {
      const text = await res.text().catch(() => '')
      const hint = res.status === 401 || res.status === 403 ? '; a private or gated repo needs HF_TOKEN' : ''
      const err = new HubHttpError(
        res.status,
        `downloading ${label}: the Hub answered ${res.status} ${res.statusText} ${text.slice(0, 200)}`.trim() + hint,
      )
      if (res.status >= 500 || res.status === 429) {
        lastError = err
        continue
      }
      throw err
    }
    const resumed = res.status === 206
    if (!resumed) have = 0 // the server ignored Range and sent the whole file
    const length = Number(res.headers.get('content-length') ?? Number.NaN)
    const sent = resumed && Number.isFinite(rangeTotal(res)) ? rangeTotal(res) : have + length
    if (Number.isNaN(size) && Number.isFinite(sent)) size = sent
    if (Number.isFinite(sent) && Number.isFinite(size) && sent !== size) {
      await res.body?.cancel()
      await rm(part, { force: true })
      throw new IntegrityError(
        `${label}: the server sends ${sent} bytes but the Hub lists ${size}; nothing was kept. ` +
          'The repo may have changed while downloading, or a proxy altered it; run the command again',
      )
    }
    let done = have
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        done += chunk.length
        t.onProgress?.({ file: label, bytes: done, totalBytes: size })
        cb(null, chunk)
      },
    })
    const sink = createWriteStream(part, { flags: resumed ? 'a' : 'w' })
    try {
      if (!res.body) throw new Error('empty response body')
      await pipeline(Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>), counter, sink)
      lastError = undefined
      // Without any length from the server, what arrived is the file.
      if (Number.isNaN(size)) size = done
      if (done === size) break
      lastError = new HubUnreachableError(`downloading ${label}: the body ended after ${done} of ${size} bytes`)
    } catch (err) {
      // pipeline rejects before the file is closed; the next attempt measures the .part, so wait.
      if (!sink.closed) await new Promise<void>((resolve) => sink.once('close', () => resolve()))
      // Keep the .part: the next attempt (or the next run) resumes from its end.
      lastError = new HubUnreachableError(
        `downloading ${label}: the connection dropped after ${done} of ${Number.isNaN(size) ? '?' : size} bytes`,
        { cause: err },
      )
    }
  }
  if (lastError) {
    throw new HubUnreachableError(`${lastError.message}; gave up after ${retries + 1} attempts — run again to resume`, {
      cause: lastError,
    })
  }
  await verify(part, { size, sha256: t.sha256, gitOid: t.gitOid }, label)
  await rename(part, dest)
  return true
}

async function verify(part: string, t: { size: number; sha256?: string; gitOid?: string }, label: string) {
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
  t: { size: number; sha256?: string; gitOid?: string },
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
