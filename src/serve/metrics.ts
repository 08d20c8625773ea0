/**
 * Prometheus counters and histograms for the server, rendered in the text exposition format
 * (version 0.0.4) by GET /metrics. No dependency: the format is a few lines per series.
 *
 * @example
 *   const m = new ServerMetrics()
 *   m.observeRequest('/v1/score', 200, 0.004, 3)
 *   m.render()   // '# HELP rewardfit_requests_total ...\nrewardfit_requests_total{route="/v1/score",status="200"} 1\n...'
 */

/** Upper bounds (seconds) of the latency histogram buckets. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
/** Upper bounds (items) of the batch-size histogram buckets. */
export const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]

class Histogram {
  readonly counts: number[]
  sum = 0
  count = 0
  constructor(readonly bounds: number[]) {
    this.counts = new Array(bounds.length).fill(0)
  }
  observe(v: number): void {
    this.sum += v
    this.count++
    for (let i = 0; i < this.bounds.length; i++) if (v <= this.bounds[i]) this.counts[i]++
  }
  render(name: string, labels: string): string[] {
    const sep = labels ? `${labels},` : ''
    const lines = this.bounds.map((b, i) => `${name}_bucket{${sep}le="${b}"} ${this.counts[i]}`)
    lines.push(`${name}_bucket{${sep}le="+Inf"} ${this.count}`)
    lines.push(`${name}_sum${labels ? `{${labels}}` : ''} ${this.sum}`)
    lines.push(`${name}_count${labels ? `{${labels}}` : ''} ${this.count}`)
    return lines
  }
}

const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')

export class ServerMetrics {
  private readonly requests = new Map<string, number>()
  private readonly errors = new Map<string, number>()
  private readonly items = new Map<string, number>()
  private readonly latency = new Map<string, Histogram>()
  private readonly batchSize = new Histogram(BATCH_BUCKETS)
  private promptNotFound = 0

  /** One finished request: its route (the pattern, not the raw URL), status, seconds and items scored. */
  observeRequest(route: string, status: number, seconds: number, items: number): void {
    const key = `route="${escapeLabel(route)}",status="${status}"`
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1)
    const r = `route="${escapeLabel(route)}"`
    if (status >= 400) this.errors.set(key, (this.errors.get(key) ?? 0) + 1)
    if (items > 0) this.items.set(r, (this.items.get(r) ?? 0) + items)
    let h = this.latency.get(r)
    if (!h) {
      h = new Histogram(LATENCY_BUCKETS)
      this.latency.set(r, h)
    }
    h.observe(seconds)
  }

  /** Queries of /get_reward whose prompt was not found, scored whole (see split-query.ts). */
  observePromptNotFound(n: number): void {
    this.promptNotFound += n
  }

  observeBatch(items: number): void {
    this.batchSize.observe(items)
  }

  render(): string {
    const out: string[] = []
    const counter = (name: string, help: string, m: Map<string, number>): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`)
      for (const [labels, v] of m) out.push(`${name}{${labels}} ${v}`)
    }
    counter('rewardfit_requests_total', 'HTTP requests answered, by route and status.', this.requests)
    counter(
      'rewardfit_errors_total',
      'HTTP requests answered with a 4xx or 5xx status, by route and status.',
      this.errors,
    )
    counter('rewardfit_items_total', 'Items (text pairs) scored, by route.', this.items)
    out.push(
      '# HELP rewardfit_request_duration_seconds Request latency, by route.',
      '# TYPE rewardfit_request_duration_seconds histogram',
    )
    for (const [labels, h] of this.latency) out.push(...h.render('rewardfit_request_duration_seconds', labels))
    out.push(
      '# HELP rewardfit_batch_items Items per micro-batch scored by the model.',
      '# TYPE rewardfit_batch_items histogram',
    )
    out.push(...this.batchSize.render('rewardfit_batch_items', ''))
    out.push(
      '# HELP rewardfit_prompt_not_found_total /get_reward queries whose prompt was not found in the query; the whole query was scored as the response.',
      '# TYPE rewardfit_prompt_not_found_total counter',
      `rewardfit_prompt_not_found_total ${this.promptNotFound}`,
    )
    return `${out.join('\n')}\n`
  }
}
