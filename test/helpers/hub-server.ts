/**
 * A local stand-in for the Hugging Face Hub (127.0.0.1, random port) serving fixture folders in the
 * Hub's URL layout, so download, cache and offline code is tested without the network.
 *
 *   GET|HEAD /{org}/{name}/resolve/{revision}/{path}            model file (Range: bytes=a-b supported)
 *   GET|HEAD /datasets/{org}/{name}/resolve/{revision}/{path}   dataset file
 *   GET /api/{models|datasets}/{org}/{name}[/revision/{rev}]    { id, sha, siblings: [{ rfilename, size }] }
 *   GET /api/{models|datasets}/{org}/{name}/tree/{rev}[/{dir}]  [{ type, path, size, oid }] (one level)
 *
 * Any revision serves the same folder. Unknown repos and files are 404 with the Hub's JSON error body.
 * `extraRoute` answers anything else (e.g. a datasets-server endpoint) before the 404.
 *
 * @example
 *   const hub = await startHubServer({ models: { 'test-org/tiny-bert': 'test/fixtures/models/tiny-bert' } })
 *   await fetch(`${hub.url}/test-org/tiny-bert/resolve/main/config.json`)   // 200, the file
 *   hub.requests   // ['GET /test-org/tiny-bert/resolve/main/config.json']
 *   await hub.close()
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, normalize, relative, resolve, sep } from 'node:path'

export interface HubServerOptions {
  /** Hub model id -> local folder served as that repo. */
  models?: Record<string, string>
  /** Hub dataset id -> local folder. */
  datasets?: Record<string, string>
  /** Called for a request no built-in route matches; return true when it answered. */
  extraRoute?: (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>
}

export interface HubServer {
  /** e.g. http://127.0.0.1:43123 (no trailing slash): pass as endpoint / HF_ENDPOINT. */
  url: string
  /** "METHOD /path" of every request, in order. */
  requests: string[]
  close(): Promise<void>
}

const COMMIT = '0123456789abcdef0123456789abcdef01234567'

export async function startHubServer(o: HubServerOptions = {}): Promise<HubServer> {
  const repos = {
    models: new Map(Object.entries(o.models ?? {}).map(([k, v]) => [k, resolve(v)])),
    datasets: new Map(Object.entries(o.datasets ?? {}).map(([k, v]) => [k, resolve(v)])),
  }
  const requests: string[] = []
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`)
    handle(req, res).catch((e) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: String(e) }))
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent)
    // /api/{kind}/{org}/{name}[/revision/{rev} | /tree/{rev}/{dir…}]
    if (parts[0] === 'api' && (parts[1] === 'models' || parts[1] === 'datasets') && parts.length >= 4) {
      const folder = repos[parts[1]].get(`${parts[2]}/${parts[3]}`)
      if (!folder) return notFound(res, 'Repository not found')
      if (parts[4] === 'tree') return sendJson(res, await listDir(folder, parts.slice(6).join('/')))
      const files = await listFiles(folder)
      return sendJson(res, {
        id: `${parts[2]}/${parts[3]}`,
        sha: COMMIT,
        siblings: files.map((f) => ({ rfilename: f.path, size: f.size })),
      })
    }
    // [/datasets]/{org}/{name}/resolve/{rev}/{path…}
    const kind = parts[0] === 'datasets' ? 'datasets' : 'models'
    const p = kind === 'datasets' ? parts.slice(1) : parts
    if (p.length >= 5 && p[2] === 'resolve') {
      const folder = repos[kind].get(`${p[0]}/${p[1]}`)
      if (!folder) return notFound(res, 'Repository not found')
      const file = safeJoin(folder, p.slice(4).join('/'))
      const st = file ? await stat(file).catch(() => undefined) : undefined
      if (!file || !st?.isFile()) return notFound(res, 'Entry not found')
      return sendFile(req, res, file, st.size)
    }
    if (o.extraRoute && (await o.extraRoute(req, res, url))) return
    notFound(res, 'Not found')
  }

  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((ok, fail) => {
        server.closeAllConnections()
        server.close((e) => (e ? fail(e) : ok()))
      }),
  }
}

/** folder + rel, or undefined when rel escapes the folder. */
function safeJoin(folder: string, rel: string): string | undefined {
  const p = normalize(join(folder, rel))
  return p === folder || p.startsWith(folder + sep) ? p : undefined
}

function notFound(res: ServerResponse, message: string): void {
  res.writeHead(404, { 'content-type': 'application/json', 'x-error-code': 'EntryNotFound' })
  res.end(JSON.stringify({ error: message }))
}

function sendJson(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

function sendFile(req: IncomingMessage, res: ServerResponse, file: string, size: number): void {
  const headers: Record<string, string | number> = {
    'content-type': 'application/octet-stream',
    'accept-ranges': 'bytes',
    'x-repo-commit': COMMIT,
    etag: `"${createHash('sha1').update(`${file}:${size}`).digest('hex')}"`,
  }
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '')
  let start = 0
  let end = size - 1
  let status = 200
  if (range && size > 0) {
    start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]))
    end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1
    if (start > end) {
      res.writeHead(416, { 'content-range': `bytes */${size}` })
      res.end()
      return
    }
    status = 206
    headers['content-range'] = `bytes ${start}-${end}/${size}`
  }
  headers['content-length'] = size === 0 ? 0 : end - start + 1
  res.writeHead(status, headers)
  if (req.method === 'HEAD' || size === 0) {
    res.end()
    return
  }
  createReadStream(file, { start, end }).pipe(res)
}

interface Entry {
  type: 'file' | 'directory'
  path: string
  size: number
  oid: string
}

async function listDir(folder: string, dir: string): Promise<Entry[]> {
  const base = safeJoin(folder, dir)
  if (!base) return []
  const names = await readdir(base, { withFileTypes: true }).catch(() => [])
  return Promise.all(
    names.map(async (d) => {
      const full = join(base, d.name)
      const size = d.isFile() ? (await stat(full)).size : 0
      const path = relative(folder, full).split(sep).join('/')
      return {
        type: d.isDirectory() ? ('directory' as const) : ('file' as const),
        path,
        size,
        // As on the Hub for files kept in git: the blob sha1, which the downloader checks.
        oid: d.isFile()
          ? createHash('sha1')
              .update(`blob ${size}\0`)
              .update(await readFile(full))
              .digest('hex')
          : createHash('sha1').update(path).digest('hex'),
      }
    }),
  )
}

async function listFiles(folder: string, dir = ''): Promise<Entry[]> {
  const out: Entry[] = []
  for (const e of await listDir(folder, dir)) {
    if (e.type === 'directory') out.push(...(await listFiles(folder, e.path)))
    else out.push(e)
  }
  // Code-point order, as the Hub lists siblings.
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}
