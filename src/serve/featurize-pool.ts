/**
 * Featurizes on worker threads, so the server uses every core and its event loop keeps reading
 * requests while texts are hashed. Only the hashing featurizer runs in the pool: it is plain
 * TypeScript built from its spec, and gives the same vectors in a worker as in the main thread.
 * Transformer backbones already spread over cores inside onnxruntime and stay in-process.
 *
 * @example
 *   const pool = FeaturizePool.create(model.featurizer.spec, 3)   // null if the backbone is not 'hashing'
 *   const x = await pool.featurize(pairs)                          // Float32Array [pairs.length, dim]
 *   pool.close()
 */
import { existsSync } from 'node:fs'
import { Worker } from 'node:worker_threads'
import type { FeaturizerSpec, TextPair } from '../featurize/featurizer.ts'

/** Chunks smaller than this are not split further: a worker round trip costs ~0.1 ms. */
const MIN_CHUNK = 4

interface Pending {
  resolve: (x: Float32Array) => void
  reject: (e: Error) => void
}

/** The worker, beside this module: built .js, or .ts from source (then tsx is registered in the worker first). */
function startWorker(spec: FeaturizerSpec): Worker {
  const js = new URL('./featurize-worker.js', import.meta.url)
  if (existsSync(js)) return new Worker(js, { workerData: { spec } })
  const ts = new URL('./featurize-worker.ts', import.meta.url).href
  // Node 20 does not run --import preloads in workers, so the TypeScript loader is registered here.
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(ts)}) })`
  return new Worker(boot, { eval: true, workerData: { spec } })
}

export class FeaturizePool {
  private readonly workers: Worker[]
  private readonly pending = new Map<number, Pending>()
  private nextId = 0
  private next = 0
  /** Set when a worker died; the server then featurizes in-process. */
  broken = false

  private constructor(
    spec: FeaturizerSpec,
    size: number,
    readonly dim: number,
  ) {
    this.workers = Array.from({ length: size }, () => {
      const w = startWorker(spec)
      w.on('message', (m: { id: number; x?: Float32Array; error?: string }) => {
        const p = this.pending.get(m.id)
        if (!p) return
        this.pending.delete(m.id)
        if (m.x) p.resolve(m.x)
        else p.reject(new Error(`featurizer worker: ${m.error}`))
      })
      w.on('error', (err) => {
        this.broken = true
        this.failAll(err)
      })
      w.on('exit', () => {
        if (!this.closing) {
          this.broken = true
          this.failAll(new Error('a featurizer worker exited'))
        }
      })
      w.unref() // an idle pool never keeps the process alive
      return w
    })
  }

  /** A pool for `spec`, or null when that featurizer cannot run on workers (or size is 0). */
  static create(spec: FeaturizerSpec | null, size: number, dim: number): FeaturizePool | null {
    if (spec?.type !== 'hashing' || size < 1) return null
    return new FeaturizePool(spec, size, dim)
  }

  get size(): number {
    return this.workers.length
  }

  /** [pairs.length, dim], split in contiguous chunks over the workers and put back in order. */
  async featurize(pairs: TextPair[]): Promise<Float32Array> {
    const chunks = Math.max(1, Math.min(this.workers.length, Math.floor(pairs.length / MIN_CHUNK)))
    const per = Math.ceil(pairs.length / chunks)
    const parts: Promise<Float32Array>[] = []
    for (let start = 0; start < pairs.length; start += per) parts.push(this.send(pairs.slice(start, start + per)))
    if (parts.length === 1) return parts[0]
    const out = new Float32Array(pairs.length * this.dim)
    let offset = 0
    for (const x of await Promise.all(parts)) {
      out.set(x, offset)
      offset += x.length
    }
    return out
  }

  private send(pairs: TextPair[]): Promise<Float32Array> {
    const id = this.nextId++
    const w = this.workers[this.next++ % this.workers.length]
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      // Keep the process alive while work is outstanding.
      w.ref()
      w.postMessage({ id, pairs: pairs.map((p) => ({ prompt: p.prompt, response: p.response })) })
    }).finally(() => {
      if (this.pending.size === 0) for (const x of this.workers) x.unref()
    }) as Promise<Float32Array>
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err)
    this.pending.clear()
  }

  private closing = false

  close(): void {
    this.closing = true
    this.failAll(new Error('the featurizer pool was closed'))
    // Not awaited: terminating a worker that is still registering the TypeScript loader (run from
    // source) can leave its promise pending forever, and awaiting it hung shutdown. Unref'd workers
    // never keep the process alive, so starting termination is enough.
    for (const w of this.workers) {
      w.unref()
      w.terminate().catch(() => {})
    }
  }
}
