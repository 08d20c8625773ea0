/**
 * Progress bars with rows per second and ETA (cli-progress). Silent when stderr is not a TTY
 * (CI, pipes), where one summary line per stage is printed instead.
 */
import cliProgress from 'cli-progress'

export interface ProgressReporter {
  start(label: string, total: number): void
  update(done: number): void
  stop(): void
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr, quiet = false): ProgressReporter {
  let bar: cliProgress.SingleBar | undefined
  let started = 0
  let label = ''
  let total = 0
  let last = 0
  return {
    start(l, t) {
      label = l
      total = t
      last = 0
      started = performance.now()
      // No bar without a TTY, or while the total is unknown (0): one summary line at the end instead.
      if (quiet || !stream.isTTY || t === 0) return
      bar = new cliProgress.SingleBar(
        {
          stream,
          format: `${l.padEnd(12)} {bar} {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {eta_formatted}`,
          etaBuffer: 50,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      )
      bar.start(t, 0, { rate: '0' })
    },
    update(done) {
      last = done
      const secs = (performance.now() - started) / 1000
      bar?.update(done, { rate: secs > 0 ? Math.round(done / secs).toLocaleString('en-US') : '0' })
    },
    stop() {
      const secs = (performance.now() - started) / 1000
      if (bar) bar.stop()
      else if (!quiet && (total > 0 || last > 0)) {
        stream.write(
          `${label}: ${last} rows in ${secs.toFixed(1)} s (${Math.round(last / Math.max(secs, 1e-9))} rows/s)\n`,
        )
      }
      bar = undefined
    },
  }
}
