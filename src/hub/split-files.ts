/**
 * Which files of a dataset repo hold a split, following the `datasets` library's conventions for
 * repos without a loading script: a split keyword (or a synonym: 'validation' also matches
 * 'valid', 'val', 'dev') appears in a file or folder name delimited by '-', '_', '.', ' ', a digit
 * or '/': `train.jsonl.gz`, `data/train-00000-of-00002.parquet`, `test/part0.csv`. The Hub's
 * auto-converted branch (refs/convert/parquet) lays files out as `{config}/{split}/0000.parquet`.
 *
 * @example
 *   pickSplitFiles(['README.md', 'train.jsonl.gz', 'validation.jsonl.gz'].map(entry), 'train')
 *   // { format: 'jsonl', entries: [{ path: 'train.jsonl.gz', ... }] }
 */
import type { DataFormat } from '../data/options.ts'
import type { RepoFile } from '../net/tree.ts'

/** One file as the Hub's tree API lists it. */
/** A file of the dataset as the tree API lists it (size, git oid, LFS sha256). */
export type HubFileEntry = RepoFile

const SYNONYMS: Record<string, string[]> = {
  train: ['train', 'training'],
  validation: ['validation', 'valid', 'val', 'dev'],
  test: ['test', 'testing', 'eval', 'evaluation'],
}

// Formats the data readers take, best first: when a repo has both, Parquet is smaller and typed.
const FORMATS: [DataFormat, RegExp][] = [
  ['parquet', /\.parquet$/i],
  ['jsonl', /\.(jsonl|ndjson)(\.gz)?$/i],
  ['csv', /\.csv(\.gz)?$/i],
  ['tsv', /\.tsv(\.gz)?$/i],
  ['json', /\.json(\.gz)?$/i],
]

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

function splitPattern(split: string): RegExp {
  const words = (SYNONYMS[split] ?? [split]).map(escapeRegExp).join('|')
  return new RegExp(`(^|[-._ 0-9/])(${words})([-._ 0-9/]|$)`)
}

// `datasets` skips hidden files and folders and ones starting with '__' (e.g. __pycache__).
const hidden = (path: string) => path.split('/').some((p) => p.startsWith('.') || p.startsWith('__'))

export function formatOf(path: string): DataFormat | undefined {
  return FORMATS.find(([, re]) => re.test(path))?.[0]
}

/** The split's files in the repo's main layout, in one format, sorted by path; null when none match. */
export function pickSplitFiles(
  entries: HubFileEntry[],
  split: string,
): { format: DataFormat; entries: HubFileEntry[] } | null {
  const re = splitPattern(split)
  const matching = entries.filter((e) => !hidden(e.path) && formatOf(e.path) && re.test(e.path))
  for (const [format] of FORMATS) {
    const of = matching.filter((e) => formatOf(e.path) === format)
    if (of.length > 0) return { format, entries: of.sort((a, b) => (a.path < b.path ? -1 : 1)) }
  }
  return null
}

/**
 * The split's files on refs/convert/parquet. `split` may be 'config/split'; without a config,
 * 'default' is used, or the only config there is. Big splits appear as `partial-{split}`.
 */
export function pickConvertedParquet(
  entries: HubFileEntry[],
  split: string,
): { format: 'parquet'; entries: HubFileEntry[]; configs: string[] } {
  const parquet = entries.filter((e) => /\.parquet$/i.test(e.path) && e.path.split('/').length === 3)
  const configs = [...new Set(parquet.map((e) => e.path.split('/')[0]))].sort()
  let [config, name] = split.includes('/') ? split.split('/') : [undefined, split]
  if (!config) config = configs.includes('default') ? 'default' : configs.length === 1 ? configs[0] : undefined
  const files = parquet
    .filter((e) => {
      const [c, s] = e.path.split('/')
      return c === config && (s === name || s === `partial-${name}`)
    })
    .sort((a, b) => (a.path < b.path ? -1 : 1))
  return { format: 'parquet', entries: files, configs }
}
