/**
 * `rewardfit select --model M --pool unlabeled.jsonl --budget N --out to-rate.jsonl`: which rows to
 * send to raters next. Writes the picks in input order, one JSON line each, with the reason.
 */
import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import type { Command } from 'commander'
import { loadRewardModel } from '../model/load-model.ts'
import { SELECT_STRATEGIES, type SelectStrategy } from '../model/select-rows.ts'
import { selectFromPool } from '../pipeline/select-pool.ts'
import { addDataFlags, type DataFlags, dataOptionsFrom } from './data-flags.ts'
import { modelLoadOptions } from './env.ts'
import { intFlag } from './parse-flags.ts'

interface SelectFlags extends DataFlags {
  model: string
  pool: string
  budget: number
  out?: string
  strategy: string
  labelled?: string[]
  seed: number
  cacheDir?: string
  offline?: boolean
}

const EXAMPLES = `
Examples:
  $ rewardfit select --model models/rm --pool unlabeled.jsonl --budget 200 --out to-rate.jsonl
  $ rewardfit select --model models/rm --pool pool.csv --budget 50 --strategy variance --labelled rated.csv

Strategies: greedy (pick the largest reward std, update the posterior by rank one, pick again, so
a batch holds no near-duplicates; ridge: exact; --ensemble models: the members' predictions as
posterior samples), variance (the largest stds), random (baseline).
Rows already labelled (in --labelled files; by default the model's own train/val/test files) and
exact duplicates are skipped. Each output line, in pool order:
  {"index", "line", "prompt", "response", "pick", "std", "std_before", "reason"}
`

export function registerSelectCommand(program: Command): void {
  const cmd = program
    .command('select')
    .description('choose which unlabelled responses to rate next (active learning)')
    .requiredOption('--model <dir>', 'model folder written by `rewardfit train`')
    .requiredOption('--pool <file>', 'unlabelled (prompt, response) rows: .jsonl .json .csv .tsv .parquet')
    .requiredOption('--budget <n>', 'how many rows to pick', intFlag('--budget', 1))
    .option('--out <file>', 'write JSONL here (atomically) instead of stdout')
    .option('--strategy <name>', SELECT_STRATEGIES.join(' | '), 'greedy')
    .option('--labelled <file...>', "files of rows already rated, skipped ('none': skip nothing)")
    .option('--seed <n>', 'seed of --strategy random', intFlag('--seed', 0), 0)
    .option('--cache-dir <dir>', 'model downloads (hf: backbones)')
    .option('--offline', 'never use the network')
  addDataFlags(cmd)
    .addHelpText('after', EXAMPLES)
    .action(async (f: SelectFlags) => {
      const model = await loadRewardModel(f.model, modelLoadOptions(f))
      const labelled = f.labelled ? f.labelled.filter((x) => x !== 'none') : null
      const r = await selectFromPool(model, f.pool, {
        budget: f.budget,
        strategy: f.strategy as SelectStrategy,
        seed: f.seed,
        labelled,
        dataOptions: { ...dataOptionsFrom(f), targetColumns: [] },
      })
      for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`)
      process.stderr.write(
        `picked ${r.picks.length} of ${r.poolRows} pool rows (${r.skippedLabelled} already labelled, ${r.skippedDuplicates} duplicates skipped)\n`,
      )
      const lines = r.picks.map((p) => `${JSON.stringify(p)}\n`)
      if (!f.out) {
        for (const l of lines) process.stdout.write(l)
        return
      }
      const tmp = `${f.out}.${process.pid}.tmp`
      const out = createWriteStream(tmp)
      try {
        for (const l of lines) if (!out.write(l)) await once(out, 'drain')
        out.end()
        await once(out, 'finish')
        await rename(tmp, f.out)
      } catch (e) {
        out.destroy()
        await rm(tmp, { force: true })
        throw e
      }
    })
}
