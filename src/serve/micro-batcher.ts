/**
 * Micro-batching: requests that arrive together are merged into one featurize-and-head call and the
 * results are split back, in order. Per-call overhead (an onnxruntime run, a featurizer batch) is
 * paid once per batch instead of once per request, which is where the server's throughput comes from.
 *
 * A batch starts with the first waiting request and is scored after `waitMs`, or at once when it
 * holds `maxBatchItems` items. Up to `maxInFlight` batches are scored at once: with two, the worker
 * threads featurize the next batch while the main thread runs the head and writes the answers of
 * the last one, so they never wait for each other, and a lone request does not queue behind a
 * running batch. Requests that arrive while every slot is busy form the next batch, so batches grow
 * by themselves under load. A request larger than `maxBatchItems` is scored alone, never split.
 * An item's score never depends on its batch (the featurizer and the head are batch-invariant), so
 * neither the batch boundaries nor their concurrency change a reward.
 *
 * @example
 *   const batcher = new MicroBatcher((pairs) => model.score(pairs, pairs.length), model.attributes.length)
 *   const [a, b] = await Promise.all([batcher.submit([p1]), batcher.submit([p2, p3])])
 *   // a.rewards.length === 1, b.rewards.length === 2; batcher.stats.batches === 1
 */
import type { TextPair } from '../featurize/featurizer.ts'
import type { Scored } from '../model/reward-model.ts'

export interface MicroBatcherOptions {
  /** How long a batch waits for more requests, in ms. */
  waitMs: number
  /** A batch is scored once it holds this many items. */
  maxBatchItems: number
  /** Batches scored at the same time. */
  maxInFlight: number
}

interface Pending {
  pairs: TextPair[]
  resolve: (s: Scored) => void
  reject: (e: unknown) => void
}

export interface BatchStats {
  /** Scorer calls made. */
  batches: number
  /** Items scored. */
  items: number
  /** Requests served. */
  requests: number
}

export class MicroBatcher {
  readonly stats: BatchStats = { batches: 0, items: 0, requests: 0 }
  private queue: Pending[] = []
  private queuedItems = 0
  private timer: ReturnType<typeof setTimeout> | null = null
  private readonly running = new Set<Promise<void>>()

  constructor(
    private readonly scoreBatch: (pairs: TextPair[]) => Promise<Scored>,
    /** Attributes per item (columns of `scores`). */
    private readonly k: number,
    private readonly options: MicroBatcherOptions,
    /** Told the size of every batch scored (for the metrics). */
    private readonly onBatch: (items: number) => void = () => {},
  ) {}

  submit(pairs: TextPair[]): Promise<Scored> {
    return new Promise<Scored>((resolve, reject) => {
      this.queue.push({ pairs, resolve, reject })
      this.queuedItems += pairs.length
      this.schedule()
    })
  }

  /** Resolves when every submitted request has been answered. */
  async drain(): Promise<void> {
    while (this.running.size > 0 || this.queue.length > 0) {
      if (this.running.size > 0) await Promise.race(this.running)
      else this.flush()
    }
  }

  private schedule(): void {
    if (this.running.size >= this.options.maxInFlight) return // a running batch's end starts the next one
    if (this.queuedItems >= this.options.maxBatchItems) {
      this.flush()
      return
    }
    if (!this.timer) this.timer = setTimeout(() => this.flush(), this.options.waitMs)
  }

  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer)
      this.timer = null
    }
    if (this.running.size >= this.options.maxInFlight || this.queue.length === 0) return
    // Take whole requests up to maxBatchItems (at least one, however large).
    let n = 0
    let items = 0
    while (n < this.queue.length && (n === 0 || items + this.queue[n].pairs.length <= this.options.maxBatchItems)) {
      items += this.queue[n].pairs.length
      n++
    }
    const batch = this.queue.splice(0, n)
    this.queuedItems -= items
    // Requests that queued while this batch ran have already waited: score them next, but first let
    // the event loop read the sockets that became ready meanwhile (setImmediate runs after I/O), so
    // their requests join the next batch in arrival order instead of waiting behind it.
    const done: Promise<void> = this.run(batch, items)
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => {
        this.running.delete(done)
        // Requests that queued meanwhile have already waited: score them at once.
        if (this.queue.length > 0) this.flush()
      })
    this.running.add(done)
    // A free slot takes the next batch on the usual schedule (at once when it is full).
    if (this.queue.length > 0) this.schedule()
  }

  private async run(batch: Pending[], items: number): Promise<void> {
    const all = batch.length === 1 ? batch[0].pairs : batch.flatMap((p) => p.pairs)
    this.stats.batches++
    this.stats.items += items
    this.stats.requests += batch.length
    this.onBatch(items)
    let scored: Scored
    try {
      scored = await this.scoreBatch(all)
    } catch (err) {
      for (const p of batch) p.reject(err)
      return
    }
    const k = this.k
    let offset = 0
    for (const p of batch) {
      const n = p.pairs.length
      const part: Scored = {
        rewards: scored.rewards.slice(offset, offset + n),
        scores: scored.scores.slice(offset * k, (offset + n) * k),
        ...(scored.weights && { weights: scored.weights.slice(offset * k, (offset + n) * k) }),
      }
      if (scored.std && scored.scoresStd) {
        part.std = scored.std.slice(offset, offset + n)
        part.scoresStd = scored.scoresStd.slice(offset * k, (offset + n) * k)
      }
      p.resolve(part)
      offset += n
    }
  }
}
