/**
 * `rewardfit train`: flags → trainRewardModel() → a model folder, with progress bars and a metrics
 * table. Defaults shown in --help come from the library's *_DEFAULTS.
 */
import type { Command } from 'commander'
import { hubOptionsFromEnv } from '../hub/index.ts'
import { MERGE_FIT_DEFAULTS } from '../model/merge/fit-merge.ts'
import {
  HEAD_CHOICES,
  type HeadChoice,
  OBJECTIVE_CHOICES,
  type ObjectiveChoice,
  TRAIN_MODEL_DEFAULTS,
  type TrainRewardModelOptions,
} from '../pipeline/options.ts'
import { type TrainRewardModelResult, trainRewardModel } from '../pipeline/train-reward-model.ts'
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
import { warnOnStderr } from './errors.ts'
import { formatMergeReport, learnedType, MERGE_CHOICES, type MergeChoice } from './merge.ts'
import { metricsTable } from './metrics-table.ts'
import { choiceFlag, intFlag, numberFlag, numberListFlag } from './parse-flags.ts'
import { stageProgress } from './stage-progress.ts'

interface TrainFlags extends DataFlags, SplitFlags, BackboneFlags {
  data?: string
  pairs?: string
  pairsFromRatings?: boolean
  merge: MergeChoice
  mergeEpochs?: number
  mergeLr?: number
  mergeWeightDecay?: number
  gateHidden?: number
  mergeSeed?: number
  objective: ObjectiveChoice
  pairWeight?: number
  center?: number
  chosen?: string
  rejected?: string
  pairMargin?: string
  pairLabel?: string
  pairGroup?: string
  l2?: number[]
  weights?: string
  head: HeadChoice
  alphas?: number[]
  hidden?: number[]
  activation?: 'gelu' | 'relu'
  dropout?: number
  optimizer?: 'adamw' | 'sgd'
  epochs?: number
  lr?: number
  batchSize?: number
  weightDecay?: number
  schedule?: 'cosine' | 'constant'
  patience?: number
  seed?: number
  checkpointDir?: string
  resume?: boolean
  ensemble?: number
  bootstrap?: boolean
  /** false with --no-uncertainty (commander's negatable flag; true otherwise). */
  uncertainty?: boolean
  cacheDir?: string
  featureStore?: string
  offline?: boolean
  out: string
  json?: boolean
  quiet?: boolean
}

const EXAMPLES = `
Examples:
  $ rewardfit train --data ratings.jsonl --targets helpfulness,verbosity --scale 0:4 --out models/rm
  $ rewardfit train --data hanna.jsonl --response story --group prompt_id --scale 1:5 \\
      --targets relevance,coherence,empathy,surprise,engagement,complexity --out models/hanna
  $ rewardfit train --data train.tsv --quote none --prompt original --response translation \\
      --targets z_mean --val dev.tsv --test test.tsv --head mlp --epochs 30 --out models/qe
  $ rewardfit train --data chats.jsonl --targets score --backbone onnx:./minilm --out models/chat
  $ rewardfit train --data hanna.jsonl --response story --group prompt_id --scale 1:5 \
      --targets relevance,coherence,empathy,surprise,engagement,complexity --pairs-from-ratings --out models/hanna-bt
`

export function registerTrainCommand(program: Command): void {
  const options = program
    .command('train')
    .description(
      'train a reward model by maximizing L_rating = -E[(s - r)^2] on ratings, L_BT = E[log sigmoid(r_c - r_r - m)] on preference pairs, or both',
    )
    .option('--data <file>', 'training ratings: .jsonl .json .csv .tsv .parquet, or hf:ORG/NAME[:split]')
    .option(
      '--pairs <file>',
      'preference pairs (TRL, RewardBench or Anthropic HH rows; .jsonl .json .csv .tsv .parquet, or hf:ORG/NAME[:split])',
    )
    .option(
      '--pairs-from-ratings',
      'derive pairs from --data within each prompt (higher merged rating = chosen; ties skipped)',
    )
    .option(
      '--merge <type>',
      'fixed (--weights) | learned (= learned-global) | learned-global | gating: after the rating heads, learn the merge from the train-split pairs (validation pairs pick the step), heads frozen; with --pairs-from-ratings its pairs come from the training ratings, so its train figures are in-sample: prefer --pairs FILE',
      choiceFlag('--merge', MERGE_CHOICES),
      TRAIN_MODEL_DEFAULTS.merge as MergeChoice,
    )
    .option(
      '--merge-epochs <n>',
      `learned merge: full-batch AdamW steps (default ${MERGE_FIT_DEFAULTS.epochs})`,
      intFlag('--merge-epochs', 1),
    )
    .option(
      '--merge-lr <x>',
      `learned merge: learning rate (default ${MERGE_FIT_DEFAULTS.lr})`,
      numberFlag('--merge-lr', 0),
    )
    .option(
      '--merge-weight-decay <x>',
      `learned merge: decoupled weight decay, pulls toward equal weights (default ${MERGE_FIT_DEFAULTS.weightDecay})`,
      numberFlag('--merge-weight-decay', 0),
    )
    .option(
      '--gate-hidden <n>',
      `gating merge: hidden width of the gate (default ${MERGE_FIT_DEFAULTS.hidden})`,
      intFlag('--gate-hidden', 1),
    )
    .option('--merge-seed <n>', 'learned merge: seeds the gate (default: --seed)', intFlag('--merge-seed', 0))
    .option(
      '--objective <name>',
      `${OBJECTIVE_CHOICES.join(' | ')} (auto: rating for --data, bradley-terry for pairs alone, combined for both)`,
      choiceFlag('--objective', OBJECTIVE_CHOICES),
      TRAIN_MODEL_DEFAULTS.objective,
    )
    .option(
      '--pair-weight <x>',
      `combined objective: L_rating + x * L_BT (default ${TRAIN_MODEL_DEFAULTS.pairWeight})`,
      numberFlag('--pair-weight', 0),
    )
    .option(
      '--center <eta>',
      `L_BT reward centering -eta*E[(r_c + r_r)^2] (default ${TRAIN_MODEL_DEFAULTS.center})`,
      numberFlag('--center', 0),
    )
    .option('--chosen <col>', 'preferred response column of --pairs (default: chosen)')
    .option('--rejected <col>', 'other response column of --pairs (default: rejected)')
    .option('--pair-margin <col>', 'column of --pairs with a margin m per pair (Llama 2)')
    .option('--pair-label <col>', 'column of --pairs with the probability that chosen wins (soft labels; 0.5 = tie)')
    .option(
      '--pair-group <col>',
      'column of --pairs that keeps pairs on one side of a split (default: the prompt text)',
    )
    .option(
      '--l2 <list>',
      'exact Bradley-Terry: L2 strength, or a grid chosen on validation pairs',
      numberListFlag('--l2', 0),
    )
    .requiredOption('--out <dir>', 'model folder to write (replaced atomically)')
  const cmd = addSplitFlags(options).option(
    '--weights <spec>',
    "attribute weights for the merged reward: 'a=0.7,b=0.3' (unnamed get 0; default equal 1/k)",
  )
  addBackboneFlags(addDataFlags(cmd))
    .option(
      '--head <type>',
      `${HEAD_CHOICES.join(' | ')} (exact: the objective's exact fit of a linear head, ridge for ratings and L-BFGS for pairs; auto: ridge, exact for pairs alone, linear for both)`,
      choiceFlag('--head', HEAD_CHOICES),
      TRAIN_MODEL_DEFAULTS.head,
    )
    .option(
      '--alphas <list>',
      'ridge: alpha grid, comma-separated (default: a scale-free log grid)',
      numberListFlag('--alphas', 0),
    )
    .option(
      '--hidden <widths>',
      `mlp: hidden widths, e.g. 256 or 256,64 (default ${TRAIN_DEFAULTS.hidden})`,
      numberListFlag('--hidden', 1),
    )
    .option(
      '--activation <fn>',
      `mlp: gelu | relu (default ${TRAIN_DEFAULTS.activation})`,
      choiceFlag('--activation', ['gelu', 'relu'] as const),
    )
    .option(
      '--dropout <p>',
      `mlp: dropout on hidden units (default ${TRAIN_DEFAULTS.dropout})`,
      numberFlag('--dropout', 0),
    )
    .option(
      '--optimizer <name>',
      `adamw | sgd (default ${TRAIN_DEFAULTS.optimizer})`,
      choiceFlag('--optimizer', ['adamw', 'sgd'] as const),
    )
    .option('--epochs <n>', `training epochs (default ${TRAIN_DEFAULTS.epochs})`, intFlag('--epochs', 1))
    .option('--lr <x>', `peak learning rate (default ${TRAIN_DEFAULTS.lr})`, numberFlag('--lr', 0))
    .option('--batch-size <n>', `mini-batch rows (default ${TRAIN_DEFAULTS.batchSize})`, intFlag('--batch-size', 1))
    .option(
      '--weight-decay <x>',
      `weight decay (default ${TRAIN_DEFAULTS.weightDecay})`,
      numberFlag('--weight-decay', 0),
    )
    .option(
      '--schedule <kind>',
      `cosine | constant, after linear warm-up (default ${TRAIN_DEFAULTS.schedule})`,
      choiceFlag('--schedule', ['cosine', 'constant'] as const),
    )
    .option(
      '--patience <n>',
      `early stopping: epochs without validation gain (default ${TRAIN_DEFAULTS.patience})`,
      intFlag('--patience', 0),
    )
    .option(
      '--seed <n>',
      `seeds the split, the init, shuffling and dropout (default ${TRAIN_MODEL_DEFAULTS.seed})`,
      intFlag('--seed', 0),
    )
    .option(
      '--ensemble <n>',
      'linear, mlp: train n members with different seeds; their mean is the reward, their spread the std',
      intFlag('--ensemble', 1),
    )
    .option('--bootstrap', '--ensemble: train each member on a bootstrap resample of the training rows')
    .option('--no-uncertainty', 'ridge: save no predictive std (skips its fit; score, serve and eval then give no std)')
    .option('--checkpoint-dir <dir>', 'save a checkpoint after every epoch (linear, mlp)')
    .option('--resume', 'continue from the checkpoint in --checkpoint-dir')
    .option('--cache-dir <dir>', 'feature store and downloads (default: $REWARDFIT_CACHE or ~/.cache/rewardfit)')
    .option(
      '--feature-store <dir>',
      'train from a store filled by `rewardfit featurize` (same data flags); never featurize',
    )
    .option('--offline', 'never use the network (also REWARDFIT_OFFLINE=1)')
    .option('--json', 'print the result as one JSON object instead of tables')
    .option('--quiet', 'no progress output')
    .addHelpText('after', EXAMPLES)
    .action(async (flags: TrainFlags) => {
      const result = await trainRewardModel(trainOptionsFrom(flags))
      printResult(flags, result)
    })
}

export function trainOptionsFrom(f: TrainFlags): TrainRewardModelOptions {
  const backboneOptions = backboneOptionsFrom(f)
  const progress = f.quiet || f.json ? null : stageProgress()
  const warn = warnOnStderr
  const pairColumns = {
    prompt: f.prompt,
    chosen: f.chosen,
    rejected: f.rejected,
    margin: f.pairMargin,
    label: f.pairLabel,
    group: f.pairGroup,
  }
  return {
    data: f.data ?? null,
    pairs: f.pairs ?? null,
    pairsFromRatings: f.pairsFromRatings ?? false,
    merge: learnedType(f.merge ?? 'fixed') ?? 'fixed',
    mergeFit: {
      epochs: f.mergeEpochs,
      lr: f.mergeLr,
      weightDecay: f.mergeWeightDecay,
      hidden: f.gateHidden,
      seed: f.mergeSeed,
    },
    pairColumns: Object.fromEntries(Object.entries(pairColumns).filter(([, v]) => v !== undefined)),
    objective: f.objective,
    pairWeight: f.pairWeight,
    center: f.center,
    pairL2: f.l2 ? (f.l2.length === 1 ? f.l2[0] : f.l2) : null,
    val: f.val,
    test: f.test,
    out: f.out,
    dataOptions: dataOptionsFrom(f, warn),
    seed: f.seed,
    split: {
      ...splitFractionsFrom(f),
    },
    weights: f.weights,
    backbone: f.backbone,
    backboneOptions,
    head: f.head,
    ridge: f.alphas ? { alphas: f.alphas } : {},
    ensemble: { members: f.ensemble, bootstrap: f.bootstrap },
    // Only the negation is passed: the std fit's defaults live in TRAIN_MODEL_DEFAULTS.
    ...(f.uncertainty === false ? { uncertainty: false as const } : {}),
    training: {
      hidden: f.hidden,
      activation: f.activation,
      dropout: f.dropout,
      optimizer: f.optimizer,
      epochs: f.epochs,
      lr: f.lr,
      batchSize: f.batchSize,
      weightDecay: f.weightDecay,
      schedule: f.schedule,
      patience: f.patience,
      checkpointDir: f.checkpointDir ?? null,
      resume: f.resume ?? false,
    },
    cacheDir: f.cacheDir ?? defaultCacheDir(),
    featureStore: f.featureStore ?? null,
    offline: f.offline || process.env.REWARDFIT_OFFLINE === '1',
    hub: { ...hubOptionsFromEnv(process.env), cacheDir: f.cacheDir ?? defaultCacheDir() },
    onProgress: progress?.onProgress ?? null,
    onEpoch: progress?.onEpoch ?? null,
    onWarning: warn,
  }
}

function printResult(f: TrainFlags, r: TrainRewardModelResult): void {
  if (f.json) {
    process.stdout.write(
      `${JSON.stringify({ out: f.out, summary: r.summary, metrics: r.metrics, pairMetrics: r.pairMetrics })}\n`,
    )
    return
  }
  const s = r.summary
  const lines = [
    ...(s.pairs ? [`pairs: train ${s.pairs.train}, val ${s.pairs.val}, test ${s.pairs.test}`] : []),
    ...(s.rows.train > 0
      ? [
          `rows: train ${s.rows.train}, val ${s.rows.val}, test ${s.rows.test}${
            s.skipped
              ? `; skipped ${s.skipped} (${Object.entries(s.skippedByReason)
                  .map(([k, v]) => `${k}: ${v}`)
                  .join(', ')})`
              : ''
          }`,
        ]
      : []),
    `head: ${s.head}${s.l2 !== undefined ? ` (L2 ${s.l2})` : ''}${s.alphas ? ` (alpha per attribute: ${s.alphas.map((a) => a.toPrecision(3)).join(', ')})` : ''}${s.bestEpoch ? ` (best epoch ${s.bestEpoch})` : ''}`,
  ]
  for (const split of ['val', 'test'] as const) {
    const m = r.metrics[split]
    if (m) lines.push('', `${split} metrics (rating scale; L_rating = -MSE, higher is better):`, metricsTable(m))
    const p = r.pairMetrics[split]
    if (p) {
      lines.push(
        '',
        `${split} pairs: accuracy ${p.accuracy.toFixed(4)} (reward ties count half), mean margin ${p.mean_margin.toFixed(4)}, ` +
          `L_BT ${p.l_bt.toFixed(4)} (<= 0, higher is better), ${p.pairs} pairs`,
      )
    }
  }
  if (s.merge) {
    const report = formatMergeReport(s.merge, r.model.attributes, f.out).split('\n').slice(0, -1)
    lines.push('', ...report)
  }
  if (r.model.config.reward) lines.push('', `reward: ${r.model.config.reward.meaning}`)
  lines.push('', `model written to ${f.out} in ${s.seconds.toFixed(1)} s`)
  process.stdout.write(`${lines.join('\n')}\n`)
}
