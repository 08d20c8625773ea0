/**
 * A local stand-in for the Hugging Face Hub's dataset (and model) endpoints, on 127.0.0.1 and a
 * random port: the tree API (with LFS fields and Link pagination), `resolve` URLs redirected to a
 * "CDN" path, HTTP Range, private repos, and fault injection (a body cut off mid-way, a wrong listed
 * size, a transient 5xx, bytes that differ from the listed checksum).
 *
 *   GET /api/{datasets|models}/{org}/{name}/tree/{rev}       the listing (recursive)
 *   GET /datasets/{org}/{name}/resolve/{rev}/{path}          a dataset file
 *   GET /{org}/{name}/resolve/{rev}/{path}                   a model file (options.models)
 *
 * @example
 *   const hub = await startHubDatasetServer({ 'org/data': { main: { 'train.jsonl': Buffer.from('{}\n') } } })
 *   await fetch(`${hub.endpoint}/api/datasets/org/data/tree/main?recursive=true`)  // [{ type: 'file', … }]
 *   await hub.close()
 */
import { createHash } from 'node:crypto'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

/** repo → revision → path → bytes. */
export type HubRepos = Record<string, Record<string, Record<string, Uint8Array>>>

export interface HubServerOptions {
  /** Repos that answer 401 unless the request carries `Authorization: Bearer {token}`. */
  privateRepos?: Record<string, string>
  /** Paths whose first download is cut off after half the body (the socket is destroyed). */
  cutOnce?: Set<string>
  /** Paths listed with a size off by this many bytes (a changed or corrupt file). */
  wrongSize?: Record<string, number>
  /** Files per page of the tree listing; pages are chained with `Link: <…>; rel="next"`. */
  pageSize?: number
  /** Model repos (repo → revision → path → bytes), served at the Hub's model URLs. */
  models?: HubRepos
  /** Paths whose first download answers this status (e.g. 503) instead of the file. */
  failOnce?: Record<string, number>
  /** Paths always served with their first byte changed; the listing keeps the true checksums. */
  corrupt?: Set<string>
}

export interface RecordedRequest {
  method: string
  url: string
  headers: IncomingHttpHeaders
}

export interface HubDatasetServer {
  endpoint: string
  requests: RecordedRequest[]
  close(): Promise<void>
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')
const gitOid = (b: Uint8Array) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex')
// As on the Hub, binary and big files go through LFS; small text files stay in git.
const isLfs = (path: string) => /\.(parquet|gz|onnx|safetensors|bin)$/.test(path)

export async function startHubDatasetServer(
  repos: HubRepos,
  options: HubServerOptions = {},
): Promise<HubDatasetServer> {
  const requests: RecordedRequest[] = []
  const cut = new Set(options.cutOnce ?? [])
  const failing = new Map(Object.entries(options.failOnce ?? {}))
  const models = options.models ?? {}
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? 'GET', url: req.url ?? '', headers: req.headers })
    const url = new URL(req.url ?? '/', 'http://x')
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    const parts = url.pathname.split('/').map(decodeURIComponent)
    // /api/{datasets|models}/{org}/{name}/tree/{rev}, /datasets/{org}/{name}/resolve/{rev}/{...path}
    // or /{org}/{name}/resolve/{rev}/{...path} (a model)
    const api = parts[1] === 'api'
    const kind = api ? parts[2] : parts[1] === 'datasets' ? 'datasets' : 'models'
    const at = api ? 3 : kind === 'datasets' ? 2 : 1
    const [org, name, verb, rev] = parts.slice(at, at + 4)
    const rest = parts.slice(at + 4).join('/')
    // Repo and revision are single (encoded) segments here, so keep the raw path.
    if (parts[1] === 'cdn') return serveFile(url.pathname.split('/').slice(2).join('/'))
    const repo = `${org}/${name}`
    const token = options.privateRepos?.[repo]
    if (token !== undefined && req.headers.authorization !== `Bearer ${token}`) {
      return send(401, { error: 'Invalid credentials in Authorization header' })
    }
    const table = kind === 'models' ? models : repos
    const files = table[repo]?.[rev]
    if (!table[repo]) return send(401, { error: 'Repository not found' })
    if (!files) return send(404, { error: `Invalid rev id: ${rev}` })
    if (api && verb === 'tree') {
      const all = Object.entries(files)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([path, b]) => {
          const size = b.length + (options.wrongSize?.[path] ?? 0)
          return isLfs(path)
            ? {
                type: 'file',
                path,
                size: 134,
                oid: gitOid(Buffer.from(`pointer ${path}`)),
                lfs: { oid: sha256(b), size, pointerSize: 134 },
              }
            : { type: 'file', path, size, oid: gitOid(b) }
        })
      const dirs = [...new Set(all.flatMap((f) => (f.path.includes('/') ? [f.path.split('/')[0]] : [])))]
      const items = [...dirs.map((d) => ({ type: 'directory', path: d, size: 0, oid: gitOid(Buffer.from(d)) })), ...all]
      const page = options.pageSize ?? items.length
      const cursor = Number(url.searchParams.get('cursor') ?? 0)
      if (cursor + page < items.length) {
        const next = new URL(req.url ?? '/', `http://${req.headers.host}`)
        next.searchParams.set('cursor', String(cursor + page))
        res.setHeader('link', `<${next}>; rel="next"`)
      }
      return send(200, items.slice(cursor, cursor + page))
    }
    if (!api && verb === 'resolve') {
      const b = files[rest]
      if (!b) return send(404, { error: 'Entry not found' })
      // The Hub sends LFS files to a CDN with a redirect; git files are served directly.
      if (isLfs(rest)) {
        res.writeHead(302, { location: `/cdn/${encodeURIComponent(repo)}/${encodeURIComponent(rev)}/${rest}` })
        return res.end()
      }
      return serveFile(`${encodeURIComponent(repo)}/${encodeURIComponent(rev)}/${rest}`)
    }
    send(404, { error: 'unknown route' })

    function serveFile(key: string) {
      const [r, v, ...p] = key.split('/')
      const path = p.map(decodeURIComponent).join('/')
      const id = decodeURIComponent(r)
      const stored = (repos[id] ?? models[id])?.[decodeURIComponent(v)]?.[path]
      if (!stored) return send(404, { error: 'Entry not found' })
      const status = failing.get(path)
      if (status !== undefined) {
        failing.delete(path)
        return send(status, { error: 'temporarily unavailable' })
      }
      const b = options.corrupt?.has(path)
        ? Buffer.concat([Buffer.from([stored[0] ^ 0xff]), stored.subarray(1)])
        : stored

      const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '')
      const start = m ? Number(m[1]) : 0
      if (start > b.length) {
        res.writeHead(416, { 'content-range': `bytes */${b.length}` })
        return res.end()
      }
      const body = b.subarray(start)
      res.writeHead(m ? 206 : 200, {
        'content-length': body.length,
        'accept-ranges': 'bytes',
        ...(m ? { 'content-range': `bytes ${start}-${b.length - 1}/${b.length}` } : {}),
      })
      if (cut.has(path)) {
        cut.delete(path)
        // A dropped connection errors fetch's body stream, which discards chunks not yet read; the pause
        // lets the client read the first half, so what it must resume from is known exactly.
        res.write(body.subarray(0, Math.floor(body.length / 2)), () => setTimeout(() => res.socket?.end(), 150))
        return
      }
      res.end(body)
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
