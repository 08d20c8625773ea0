/**
 * `rewardfit worker`: serve the featurize queue until SIGTERM or Ctrl-C, which let the jobs in hand
 * finish and exit 0. One log line per job on stderr; the queue URL only ever printed redacted.
 */
import type { Command } from 'commander'
import { SHARD_WORKER_DEFAULTS, startShardWorker } from '../distributed/worker.ts'
import { OptionError } from '../errors.ts'
import { hubOptionsFromEnv } from '../hub/index.ts'
import { defaultCacheDir } from './env.ts'
import { intFlag } from './parse-flags.ts'

interface WorkerFlags {
  queue?: string
  concurrency: number
  lockMs: number
  cacheDir?: string
  offline?: boolean
  quiet?: boolean
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'featurize shards from the queue that `rewardfit featurize --queue` fills (any machine that reads the input and writes the store)',
    )
    .option('--queue <url>', 'redis://[:PASSWORD@]HOST:PORT[/DB] (default $REWARDFIT_QUEUE)')
    .option(
      '--concurrency <n>',
      'jobs at once in this process',
      intFlag('--concurrency', 1),
      SHARD_WORKER_DEFAULTS.concurrency,
    )
    .option(
      '--lock-ms <ms>',
      "a job's lock: if this worker dies, its shard goes to another worker after about this long",
      intFlag('--lock-ms', 500),
      SHARD_WORKER_DEFAULTS.lockMs,
    )
    .option('--cache-dir <dir>', 'models for hf:/gguf: backbones (default: $REWARDFIT_CACHE or ~/.cache/rewardfit)')
    .option('--offline', 'never use the network (also REWARDFIT_OFFLINE=1)')
    .option('--quiet', 'no log lines')
    .addHelpText('after', '\nExample:\n  $ rewardfit worker --queue redis://10.0.0.5:6379 --concurrency 2\n')
    .action(async (f: WorkerFlags) => {
      const queue = f.queue ?? process.env.REWARDFIT_QUEUE
      if (!queue) throw new OptionError('--queue', null, 'the redis:// URL of the queue (or set REWARDFIT_QUEUE)')
      const cacheDir = f.cacheDir ?? defaultCacheDir()
      const hub = hubOptionsFromEnv(process.env)
      const worker = await startShardWorker(queue, {
        concurrency: f.concurrency,
        lockMs: f.lockMs,
        featurizerOptions: {
          cacheDir,
          offline: f.offline || process.env.REWARDFIT_OFFLINE === '1',
          endpoint: hub.endpoint,
          token: hub.token ?? undefined,
        },
        onLog: f.quiet ? null : (line) => process.stderr.write(`${line}\n`),
      })
      await new Promise<void>((done) => {
        const stop = () => {
          process.off('SIGTERM', stop)
          process.off('SIGINT', stop)
          done()
        }
        process.on('SIGTERM', stop)
        process.on('SIGINT', stop)
      })
      await worker.close()
    })
}
