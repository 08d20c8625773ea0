/** `rewardfit score`: one JSON line per input row, in input order, scores on the rating scale. */

import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { basename, dirname, resolve } from 'node:path'
import type { Command } from 'commander'
import { killPoint } from '../kill-point.ts'
import { loadRewardModel } from '../model/load-model.ts'
import { scoreFile } from '../pipeline/score-file.ts'
import { removeStaleTemps } from '../stale-temps.ts'
import { addDataFlags, type DataFlags, dataOptionsFrom } from './data-flags.ts'
import { modelLoadOptions } from './env.ts'
import { warnOnStderr } from './errors.ts'
import { intFlag } from './parse-flags.ts'

interface ScoreFlags extends DataFlags {
  model: string
  data: string
  out?: string
  batchSize: number
  cacheDir?: string
  offline?: boolean
}

const EXAMPLES = `
Examples:
  $ rewardfit score --model models/rm --data candidates.jsonl
  $ rewardfit score --model models/rm --data candidates.csv --prompt question --response answer --out scores.jsonl

Each output line: {"index": i, "reward": number, "scores": {ATTRIBUTE: number}}, plus, for a model with
uncertainty, "std": number (the reward's predictive std) and "scores_std": {ATTRIBUTE: number}
`

export function registerScoreCommand(program: Command): void {
  const cmd = program
    .command('score')
    .description('score (prompt, response) rows with a reward model; writes JSONL in input order')
    .requiredOption('--model <dir>', 'model folder written by `rewardfit train`')
    .requiredOption('--data <file>', 'rows to score: .jsonl .json .csv .tsv .parquet')
    .option('--out <file>', 'write JSONL here (atomically) instead of stdout')
    .option('--batch-size <n>', 'rows featurized per batch', intFlag('--batch-size', 1), 256)
    .option('--cache-dir <dir>', 'where hf: backbones are cached (default: $REWARDFIT_CACHE or ~/.cache/rewardfit)')
    .option('--offline', 'never use the network')
  addDataFlags(cmd)
    .addHelpText('after', EXAMPLES)
    .action(async (f: ScoreFlags) => {
      const model = await loadRewardModel(f.model, modelLoadOptions(f))
      const rows = scoreFile(model, f.data, dataOptionsFrom(f, warnOnStderr), f.batchSize)
      if (!f.out) {
        for await (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`)
        return
      }
      // OUT.PID.tmp: temp files of killed runs (owner gone) are removed, a live run's are kept.
      const esc = basename(f.out).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      await removeStaleTemps(dirname(resolve(f.out)), [new RegExp(`^${esc}\\.(\\d+)\\.tmp$`)])
      const tmp = `${f.out}.${process.pid}.tmp`
      const out = createWriteStream(tmp)
      try {
        for await (const r of rows) if (!out.write(`${JSON.stringify(r)}\n`)) await once(out, 'drain')
        out.end()
        await once(out, 'finish')
        killPoint('score:written')
        await rename(tmp, f.out)
      } catch (e) {
        out.destroy()
        await rm(tmp, { force: true })
        throw e
      }
    })
}
