/**
 * Flags shared by the commands that read ratings files (train, and the same names elsewhere):
 * column mapping, scales, format, quoting. They map one-to-one onto DataOptions. The split flags
 * (train, featurize) sit beside them, so both commands split the same rows the same way.
 */
import type { Command } from 'commander'
import { DATA_DEFAULTS, type DataOptions } from '../data/options.ts'
import { SPLIT_DEFAULTS } from '../data/split.ts'
import { numberFlag } from './parse-flags.ts'

export interface DataFlags {
  prompt?: string
  response?: string
  messages?: string
  targets?: string
  features?: string
  group?: string
  scale?: string
  format?: string
  quote?: string
  delimiter?: string
  skipInvalid?: boolean
}

/** With a model, unset flags take the mapping the model was trained with (config.json "data"). */
const MODEL_NOTE = "; with --model, the model's own"

export function addDataFlags(cmd: Command): Command {
  return (
    cmd
      // No commander defaults: an absent flag must stay undefined, so a model's recorded mapping
      // (score, eval) or DATA_DEFAULTS (train) fills it in.
      .option(
        '--prompt <col>',
        `column holding the prompt x (dots read nested fields) (default: ${DATA_DEFAULTS.promptColumn}${MODEL_NOTE})`,
      )
      .option(
        '--response <col>',
        `column holding the response y (default: ${DATA_DEFAULTS.responseColumn}${MODEL_NOTE})`,
      )
      .option(
        '--messages <col>',
        `column of chat turns [{role, content}] used when there is no prompt column (default: ${DATA_DEFAULTS.messagesColumn}${MODEL_NOTE})`,
      )
      .option('--targets <cols>', 'rating columns, one attribute each: a,b,c')
      .option(
        '--features <cols>',
        'numeric side-feature columns appended to the backbone vector, standardized on the training split (e.g. model_scores)',
      )
      .option(
        '--group <col>',
        'keep all rows with the same value of this column on one side of a split (e.g. prompt_id)',
      )
      .option('--scale <spec>', "rating scale: '0:4', or per attribute 'helpfulness=0:4,verbosity=0:4'")
      .option('--format <fmt>', 'jsonl | json | csv | tsv | parquet (default: from the extension)')
      .option(
        '--quote <mode>',
        `CSV/TSV quoting: 'auto' (RFC 4180) or 'none' (one row per line) (default: ${DATA_DEFAULTS.quote}${MODEL_NOTE})`,
      )
      .option('--delimiter <char>', 'CSV/TSV field delimiter (default: , or tab)')
      .option('--skip-invalid', 'skip bad rows and report how many and why, instead of stopping at the first')
  )
}

export function dataOptionsFrom(f: DataFlags, onWarning?: (m: string) => void): DataOptions {
  return {
    promptColumn: f.prompt,
    responseColumn: f.response,
    messagesColumn: f.messages,
    targetColumns: f.targets,
    featureColumns: f.features,
    groupColumn: f.group,
    scale: f.scale,
    format: f.format as DataOptions['format'],
    quote: f.quote as DataOptions['quote'],
    delimiter: f.delimiter,
    skipInvalid: f.skipInvalid,
    onWarning: onWarning ?? null,
  }
}

export interface SplitFlags {
  val?: string
  test?: string
  valFraction: number
  testFraction: number
}

/** --val/--test files, or the --val-fraction/--test-fraction shares held out (SPLIT_DEFAULTS). */
export function addSplitFlags(cmd: Command): Command {
  return cmd
    .option('--val <file>', 'validation file (instead of --val-fraction)')
    .option('--test <file>', 'test file (instead of --test-fraction)')
    .option(
      '--val-fraction <x>',
      'share of groups held out for validation',
      numberFlag('--val-fraction', 0),
      SPLIT_DEFAULTS.valFraction,
    )
    .option(
      '--test-fraction <x>',
      'share of groups held out for testing',
      numberFlag('--test-fraction', 0),
      SPLIT_DEFAULTS.testFraction,
    )
}

/** The shares to hold out: a split given as a file (--val, --test) takes no share of --data. */
export function splitFractionsFrom(f: SplitFlags): { valFraction: number; testFraction: number } {
  return { valFraction: f.val ? 0 : f.valFraction, testFraction: f.test ? 0 : f.testFraction }
}
