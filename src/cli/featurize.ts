/**
 * `rewardfit featurize`: fill a feature store in shards, on a BullMQ queue served by
 * `rewardfit worker` processes anywhere (--queue), or in this process. `train --feature-store DIR`
 * then trains from the store without featurizing. The queue URL (it may hold a password) is only
 * ever printed redacted; REWARDFIT_QUEUE keeps it out of the process list.
 */
import type { Command } from 'commander'
import {
  FEATURIZE_SHARDED_DEFAULTS,
  type FeaturizeProgress,
  type FeaturizeShardedResult,
  featurizeSharded,
} from '../distributed/featurize-sharded.ts'
import { redactQueueUrl } from '../distributed/queue-url.ts'
import { hubOptionsFromEnv } from '../hub/index.ts'
import { TRAIN_DEFAULTS } from '../train/options.ts'
import { addBackboneFlags, type BackboneFlags, backboneOptionsFrom } from './backbone-flags.ts'
import {
  addDataFlags,
  addSplitFlags,
  type DataFlags,
  dataOptionsFrom,
  type SplitFlags,
  splitFractionsFrom,
} from './data-flags.ts'
import { defaultCacheDir } from './env.ts'
import { intFlag } from './parse-flags.ts'
import { createProgress } from './progress.ts'

interface FeaturizeFlags extends DataFlags, SplitFlags, BackboneFlags {
  data: string
  seed: number
  out: string
  shardRows: number
  queue?: string
  cacheDir?: string
  offline?: boolean
  json?: boolean
  quiet?: boolean
}

const EXAMPLES = `
Examples:
  $ rewardfit featurize --data hanna.jsonl --group prompt_id --targets coherence,complexity \\
      --queue redis://127.0.0.1:6379 --shard-rows 500 --out store
  $ rewardfit worker --queue redis://127.0.0.1:6379          # on each machine, as many as you like
  $ rewardfit train --data hanna.jsonl --group prompt_id --targets coherence,complexity \\
      --feature-store store --out models/hanna                     # the same data flags: no featurizing
`

export function registerFeaturizeCommand(program: Command): void {
  const options = program
    .command('featurize')
    .description('featurize ratings into a feature store in shards, on a Redis queue of workers or here')
    .requiredOption('--data <file>', 'training ratings: .jsonl .json .csv .tsv .parquet, or hf:ORG/NAME[:split]')
    .requiredOption('--out <dir>', 'feature store folder to fill (train --feature-store reads it)')
  const cmd = addSplitFlags(options)
    .option('--seed <n>', 'seeds the split (use the same in train)', intFlag('--seed', 0), TRAIN_DEFAULTS.seed)
    .option(
      '--shard-rows <n>',
      'rows per shard (one queue job each)',
      intFlag('--shard-rows', 1),
      FEATURIZE_SHARDED_DEFAULTS.shardRows,
    )
    .option('--queue <url>', 'redis://[:PASSWORD@]HOST:PORT[/DB] (default $REWARDFIT_QUEUE; none: featurize here)')
  addDataFlags(cmd)
  addBackboneFlags(cmd)
    .option('--cache-dir <dir>', 'models and datasets (default: $REWARDFIT_CACHE or ~/.cache/rewardfit)')
    .option('--offline', 'never use the network (also REWARDFIT_OFFLINE=1)')
    .option('--json', 'print the result as one JSON object')
    .option('--quiet', 'no progress output')
    .addHelpText('after', EXAMPLES)
    .action(async (f: FeaturizeFlags) => {
      const queue = f.queue ?? process.env.REWARDFIT_QUEUE ?? null
      const warn = (m: string) => process.stderr.write(`warning: ${m}\n`)
      const progress = f.quiet || f.json ? null : featurizeProgress()
      if (queue && !f.quiet && !f.json) process.stderr.write(`queue: ${redactQueueUrl(queue)}\n`)
      const result = await featurizeSharded({
        data: f.data,
        val: f.val,
        test: f.test,
        dataOptions: dataOptionsFrom(f, warn),
        split: { ...splitFractionsFrom(f), seed: f.seed },
        backbone: f.backbone,
        backboneOptions: backboneOptionsFrom(f),
        out: f.out,
        shardRows: f.shardRows,
        queue,
        cacheDir: f.cacheDir ?? defaultCacheDir(),
        offline: f.offline || process.env.REWARDFIT_OFFLINE === '1',
        hub: { ...hubOptionsFromEnv(process.env), cacheDir: f.cacheDir ?? defaultCacheDir() },
        onProgress: progress?.update ?? null,
        onWarning: warn,
      })
      progress?.stop()
      printResult(f, result)
    })
}

/** A bar on a TTY; elsewhere a line every few seconds (workers may run for hours). */
function featurizeProgress() {
  const bar = createProgress()
  let started = false
  let lastLine = 0
  return {
    update(p: FeaturizeProgress) {
      if (!started) {
        bar.start('featurizing', p.total)
        started = true
      }
      bar.update(p.done)
      const now = performance.now()
      if (!process.stderr.isTTY && now - lastLine > 5000) {
        lastLine = now
        process.stderr.write(
          `featurizing: ${p.done}/${p.total} rows, ${p.shardsDone}/${p.shards} shards, ${p.workers} worker(s)\n`,
        )
      }
    },
    stop() {
      if (started) bar.stop()
    },
  }
}

function printResult(f: FeaturizeFlags, r: FeaturizeShardedResult): void {
  if (f.json) {
    process.stdout.write(`${JSON.stringify({ out: f.out, ...r })}\n`)
    return
  }
  const lines = (['train', 'val', 'test'] as const)
    .filter((s) => r.splits[s].rows > 0)
    .map((s) => {
      const x = r.splits[s]
      return `${s}: ${x.rows} rows in ${x.shards} shard(s), ${x.reused} already in the store`
    })
  lines.push(
    `features (width ${r.dim}) in ${f.out}: planned in ${r.planSeconds.toFixed(1)} s, featurized in ${r.runSeconds.toFixed(1)} s`,
  )
  process.stdout.write(`${lines.join('\n')}\n`)
}
