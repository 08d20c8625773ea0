/**
 * Train/val/test splits decided row by row, so a file is split in one streaming pass: a row's side is
 * a seeded hash of its key (its group, else its prompt text) mapped to [0, 1). Rows sharing a key
 * always land together, so a group (or a prompt with many rated responses) never straddles splits
 * and cannot leak. Explicit val/test files replace the fractions.
 *
 *     u = hash(seed, key) / 2^32      test if u < testFraction, val if u < testFraction + valFraction
 *
 * @example
 *   const s = resolveSplitOptions({ valFraction: 0.1, seed: 1 })
 *   ratingsSplit({ prompt: 'Hi', group: 'P7' }, s)   // 'train' (the same for every row of P7)
 *   for await (const e of readRatingSplits({ train: 'a.jsonl' }, { targetColumns: 'x' }, s)) e.split
 */
import { DEFAULT_SEED } from '../compute/rng.ts'
import { fmix32 } from '../core/fmix32.ts'
import { OptionError } from '../errors.ts'
import type { DataOptions } from './options.ts'
import type { RatingExample } from './rating-example.ts'
import { readRatings } from './read-ratings.ts'

export type Split = 'train' | 'val' | 'test'

export interface SplitOptions {
  /** Share of keys held out for validation, in [0, 1). */
  valFraction?: number
  /** Share of keys held out for testing, in [0, 1); valFraction + testFraction < 1. */
  testFraction?: number
  /** Hash seed: a different seed gives a different, equally random split. */
  seed?: number
}

export const SPLIT_DEFAULTS = { valFraction: 0.1, testFraction: 0, seed: DEFAULT_SEED } satisfies Required<SplitOptions>

export function resolveSplitOptions(o: SplitOptions = {}): Required<SplitOptions> {
  const r = { ...SPLIT_DEFAULTS, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) }
  if (!(r.valFraction >= 0 && r.valFraction < 1))
    throw new OptionError('valFraction', r.valFraction, 'a number in [0, 1)')
  if (!(r.testFraction >= 0 && r.testFraction < 1))
    throw new OptionError('testFraction', r.testFraction, 'a number in [0, 1)')
  if (!(r.valFraction + r.testFraction < 1)) {
    throw new OptionError(
      'valFraction',
      r.valFraction,
      `valFraction + testFraction < 1 (testFraction is ${r.testFraction})`,
    )
  }
  if (!Number.isInteger(r.seed)) throw new OptionError('seed', r.seed, 'an integer')
  return r
}

/** The key a row is split by: its group, else its prompt (so one prompt's responses stay together). */
export const splitKey = (e: Pick<RatingExample, 'prompt' | 'group'>): string => e.group ?? `prompt:${e.prompt}`

/** Seeded 32-bit hash of a string (FNV-1a over UTF-16 units, then a murmur3 finalizer for avalanche). */
export function hashKey(key: string, seed: number): number {
  let h = (0x811c9dc5 ^ Math.imul(seed | 0, 0x9e3779b1)) >>> 0
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return fmix32(h)
}

/** Which side a row falls on. Options must come from resolveSplitOptions. */
export function ratingsSplit(e: Pick<RatingExample, 'prompt' | 'group'>, o: Required<SplitOptions>): Split {
  const u = hashKey(splitKey(e), o.seed) / 4294967296
  if (u < o.testFraction) return 'test'
  if (u < o.testFraction + o.valFraction) return 'val'
  return 'train'
}

/** Each split is one file or several read in order (a Hub dataset's shards). */
export interface SplitFiles {
  train: string | string[]
  /** An explicit validation file; then valFraction must be 0. */
  val?: string | string[]
  /** An explicit test file; then testFraction must be 0. */
  test?: string | string[]
}

const fileList = (f: string | string[]): string[] => (typeof f === 'string' ? [f] : f)

/** `file`: the input file the row came from (one of the split's files). */
export type SplitExample = RatingExample & { split: Split; file: string }

/**
 * Every row of the train file tagged by ratingsSplit, then every row of the explicit val and test
 * files tagged 'val' / 'test'. One pass per file; nothing is buffered.
 */
export async function* readRatingSplits(
  files: SplitFiles,
  data: DataOptions = {},
  split: SplitOptions = {},
): AsyncGenerator<SplitExample> {
  const o = resolveSplitOptions({
    ...split,
    valFraction: files.val ? (split.valFraction ?? 0) : split.valFraction,
    testFraction: files.test ? (split.testFraction ?? 0) : split.testFraction,
  })
  if (files.val && o.valFraction > 0) {
    throw new OptionError(
      'valFraction',
      o.valFraction,
      `0 when a validation file is given (${files.val}); drop one of them`,
    )
  }
  if (files.test && o.testFraction > 0) {
    throw new OptionError(
      'testFraction',
      o.testFraction,
      `0 when a test file is given (${files.test}); drop one of them`,
    )
  }
  for (const f of fileList(files.train))
    for await (const e of readRatings(f, data)) yield Object.assign(e, { split: ratingsSplit(e, o), file: f })
  for (const f of files.val ? fileList(files.val) : [])
    for await (const e of readRatings(f, data)) yield Object.assign(e, { split: 'val' as const, file: f })
  for (const f of files.test ? fileList(files.test) : [])
    for await (const e of readRatings(f, data)) yield Object.assign(e, { split: 'test' as const, file: f })
}
