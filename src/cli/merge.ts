/**
 * `rewardfit merge --model DIR --pairs FILE`: learns how an existing model merges its attributes
 * into the reward, from preference pairs, with the attribute heads frozen (ArmoRM's second stage),
 * and saves the model with the learned merge (in place unless --out is given).
 *
 * @example
 *   rewardfit merge --model models/hanna --pairs pairs.jsonl --merge gating --out models/hanna-gated
 *   //            pairs  fixed acc  learned acc  fixed L_BT  learned L_BT
 *   // train      1046   0.7094     0.7151       -0.5911     -0.5823
 *   // validation  261   ...
 */
import type { Command } from 'commander'
import { OptionError } from '../errors.ts'
import { readPreferencePairs } from '../eval/read-pairs.ts'
import { loadRewardModel } from '../model/load-model.ts'
import { type LearnedMergeType, MERGE_FIT_DEFAULTS, type MergeFitReport } from '../model/merge/fit-merge.ts'
import { fixedMerge } from '../model/merge/fixed.ts'
import { saveRewardModel } from '../model/save-model.ts'
import { LEARN_MERGE_DEFAULTS, learnMerge, withMerge } from '../pipeline/learn-merge.ts'
import { table } from './format.ts'
import { choiceFlag, intFlag, numberFlag } from './parse-flags.ts'

/** `learned` is the default learned merge (global softmax weights; see README "The merge"). */
export const MERGE_CHOICES = ['fixed', 'learned', 'learned-global', 'gating'] as const
export type MergeChoice = (typeof MERGE_CHOICES)[number]
export const learnedType = (m: MergeChoice): LearnedMergeType | null =>
  m === 'fixed' ? null : m === 'learned' ? MERGE_FIT_DEFAULTS.type : m

interface MergeFlags {
  model: string
  pairs?: string
  merge: MergeChoice
  out?: string
  prompt?: string
  chosen?: string
  rejected?: string
  format?: string
  skipInvalid?: boolean
  valFraction?: number
  epochs?: number
  lr?: number
  weightDecay?: number
  hidden?: number
  seed?: number
  json?: boolean
  offline?: boolean
}

export function registerMergeCommand(program: Command): void {
  program
    .command('merge')
    .description("Learn how a model's attribute scores merge into the reward, from preference pairs (heads frozen)")
    .requiredOption('--model <dir>', 'model folder to start from')
    .option(
      '--pairs <file>',
      'preference pairs: {prompt, chosen, rejected}, chat or Anthropic HH rows (any format eval reads)',
    )
    .option(
      '--merge <type>',
      "'learned' (= learned-global), 'learned-global' (softmax weights), 'gating' (an MLP on the prompt), or 'fixed' (back to attributeWeights)",
      choiceFlag('--merge', MERGE_CHOICES),
      'learned' as MergeChoice,
    )
    .option('--out <dir>', 'where to save the model (default: replace --model)')
    .option('--prompt <col>', 'prompt column of --pairs (default: prompt)')
    .option('--chosen <col>', 'preferred response column (default: chosen)')
    .option('--rejected <col>', 'other response column (default: rejected)')
    .option('--format <fmt>', 'file format when the extension does not tell: jsonl, json, csv, tsv, parquet')
    .option('--skip-invalid', 'skip bad rows instead of failing')
    .option(
      '--val-fraction <x>',
      `share of prompts held out to pick the step kept (default: ${LEARN_MERGE_DEFAULTS.valFraction})`,
      numberFlag('--val-fraction', 0),
    )
    .option('--epochs <n>', `full-batch AdamW steps (default: ${MERGE_FIT_DEFAULTS.epochs})`, intFlag('--epochs', 1))
    .option('--lr <x>', `learning rate (default: ${MERGE_FIT_DEFAULTS.lr})`, numberFlag('--lr', 0))
    .option(
      '--weight-decay <x>',
      `decoupled weight decay (default: ${MERGE_FIT_DEFAULTS.weightDecay})`,
      numberFlag('--weight-decay', 0),
    )
    .option('--hidden <n>', `hidden width of the gate (default: ${MERGE_FIT_DEFAULTS.hidden})`, intFlag('--hidden', 1))
    .option('--seed <n>', `seeds the split and the gate (default: ${MERGE_FIT_DEFAULTS.seed})`, intFlag('--seed', 0))
    .option('--json', 'print the fit report as JSON')
    .option('--offline', 'never download backbone files; use the cache (also REWARDFIT_OFFLINE=1)')
    .addHelpText(
      'after',
      `
Maximizes L_BT = E[log sigmoid(r_chosen - r_rejected)] (<= 0, higher is better) over the merge only.
Pairs are split by prompt into train and validation; the step with the best validation L_BT is kept.

Examples:
  $ rewardfit merge --model models/hanna --pairs pairs.jsonl
  $ rewardfit merge --model models/hanna --pairs pairs.jsonl --merge gating --hidden 16 --out models/hanna-gated
  $ rewardfit merge --model models/hanna-gated --merge fixed          # back to the fixed weights`,
    )
    .action(async (flags: MergeFlags) => {
      const offline = flags.offline || process.env.REWARDFIT_OFFLINE === '1'
      const model = await loadRewardModel(flags.model, { offline })
      const out = flags.out ?? flags.model
      const type = learnedType(flags.merge)
      if (type === null) {
        await saveRewardModel(out, withMerge(model, fixedMerge(model.config.attributeWeights)))
        console.log(`fixed merge (${model.config.attributeWeights.join(', ')}) saved to ${out}`)
        return
      }
      if (!flags.pairs) {
        throw new OptionError('--pairs', undefined, 'a preference file to learn the merge from')
      }
      const columns = { prompt: flags.prompt, chosen: flags.chosen, rejected: flags.rejected }
      const stream = readPreferencePairs(flags.pairs, {
        columns: Object.fromEntries(Object.entries(columns).filter(([, v]) => v !== undefined)),
        skipInvalid: flags.skipInvalid,
        format: flags.format as never,
      })
      const pairs = []
      for await (const p of stream) pairs.push(p)
      if (stream.summary.skipped > 0)
        console.error(`skipped ${stream.summary.skipped} invalid pair(s) of ${flags.pairs}`)
      const { model: merged, report } = await learnMerge(model, pairs, {
        type,
        valFraction: flags.valFraction,
        epochs: flags.epochs,
        lr: flags.lr,
        weightDecay: flags.weightDecay,
        hidden: flags.hidden,
        seed: flags.seed,
      })
      await saveRewardModel(out, merged)
      if (flags.json) console.log(JSON.stringify(report))
      else console.log(formatMergeReport(report, model.attributes, out))
    })
}

/** The fit as a table: fixed vs learned pair accuracy and L_BT, then the weights. */
export function formatMergeReport(r: MergeFitReport, attributes: string[], out: string): string {
  const rows: unknown[][] = [
    [
      'train',
      r.train.fixed.pairs,
      r.train.fixed.accuracy,
      r.train.learned.accuracy,
      r.train.fixed.l_bt,
      r.train.learned.l_bt,
    ],
  ]
  if (r.validation) {
    const v = r.validation
    rows.push(['validation', v.fixed.pairs, v.fixed.accuracy, v.learned.accuracy, v.fixed.l_bt, v.learned.l_bt])
  }
  const what = r.type === 'gating' ? 'gate weights, mean over the training prompts' : 'weights'
  return [
    `${r.type} merge, step ${r.bestEpoch} of ${r.epochs} kept (L_BT = E[log sigmoid(r_c - r_r)], <= 0, higher is better)`,
    table(['', 'pairs', 'fixed acc', 'learned acc', 'fixed L_BT', 'learned L_BT'], rows),
    `${what}: ${attributes.map((a, i) => `${a} ${r.meanWeights[i].toFixed(3)}`).join(', ')}`,
    `saved to ${out}`,
  ].join('\n')
}
