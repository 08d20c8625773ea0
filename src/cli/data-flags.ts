/**
 * Flags shared by the commands that read ratings files (train, and the same names elsewhere):
 * column mapping, scales, format, quoting. They map one-to-one onto DataOptions.
 */
import type { Command } from 'commander'
import { DATA_DEFAULTS, type DataOptions } from '../data/options.ts'

export interface DataFlags {
  prompt?: string
  response?: string
  messages?: string
  targets?: string
  group?: string
  scale?: string
  format?: string
  quote?: string
  delimiter?: string
  skipInvalid?: boolean
}

export function addDataFlags(cmd: Command): Command {
  return cmd
    .option('--prompt <col>', 'column holding the prompt x (dots read nested fields)', DATA_DEFAULTS.promptColumn)
    .option('--response <col>', 'column holding the response y', DATA_DEFAULTS.responseColumn)
    .option(
      '--messages <col>',
      'column of chat turns [{role, content}] used when there is no prompt column',
      DATA_DEFAULTS.messagesColumn,
    )
    .option('--targets <cols>', 'rating columns, one attribute each: a,b,c')
    .option('--group <col>', 'keep all rows with the same value of this column on one side of a split (e.g. prompt_id)')
    .option('--scale <spec>', "rating scale: '0:4', or per attribute 'helpfulness=0:4,verbosity=0:4'")
    .option('--format <fmt>', 'jsonl | json | csv | tsv | parquet (default: from the extension)')
    .option('--quote <mode>', "CSV/TSV quoting: 'auto' (RFC 4180) or 'none' (one row per line)", DATA_DEFAULTS.quote)
    .option('--delimiter <char>', 'CSV/TSV field delimiter (default: , or tab)')
    .option('--skip-invalid', 'skip bad rows and report how many and why, instead of stopping at the first')
}

export function dataOptionsFrom(f: DataFlags, onWarning?: (m: string) => void): DataOptions {
  return {
    promptColumn: f.prompt,
    responseColumn: f.response,
    messagesColumn: f.messages,
    targetColumns: f.targets,
    groupColumn: f.group ?? null,
    scale: f.scale ?? null,
    format: f.format as DataOptions['format'],
    quote: f.quote as DataOptions['quote'],
    delimiter: f.delimiter ?? null,
    skipInvalid: f.skipInvalid ?? false,
    onWarning: onWarning ?? null,
  }
}
