/**
 * Preference pairs for training: read from files in every format `eval --pairs` reads (plain,
 * conversational, message-list prompts, implicit-prompt transcripts, Anthropic HH; JSONL, JSON,
 * CSV/TSV, Parquet), split by prompt group as ratings are, or derived from ratings within each
 * prompt; featurized with two rows per pair (chosen, then rejected) and labels [p, m].
 *
 * These are the building blocks for anything that learns from pairs (BT training, a learned merge):
 *
 * @example
 *   const pairs = () => readPairSplits({ train: 'pairs.jsonl' }, {}, { valFraction: 0.1 })
 *   const stores = await pairStores(featurizer, pairs, { dir: 'cache/features' })
 *   const train = pairSource(stores.train!)                       // a BatchSource of pairs
 *   const { chosen, rejected, labels, margins } = await pairFeatures(train)   // dense [n, d] matrices
 */
import type { Matrix } from '../compute/matrix.ts'
import { type BatchSource, groupedSource } from '../core/batch-source.ts'
import {
  ratingsSplit,
  resolveSplitOptions,
  type Split,
  type SplitExample,
  type SplitFiles,
  type SplitOptions,
} from '../data/split.ts'
import { DataError } from '../errors.ts'
import { type PairColumns, type PreferencePair, pairTexts } from '../eval/preference-pair.ts'
import { readPreferencePairs } from '../eval/read-pairs.ts'
import type { Featurizer } from '../featurize/featurizer.ts'
import { cachedFeatureStore, type StoreRow } from '../store/build-store.ts'
import type { FeatureStore } from '../store/feature-store.ts'

/** The label columns of a pair store: p (the probability chosen wins) and the margin m. */
export const PAIR_LABELS = ['win_probability', 'margin']

export type TrainingPair = PreferencePair & { split: Split }

export interface PairFileOptions {
  columns?: PairColumns
  skipInvalid?: boolean
  format?: 'auto' | 'jsonl' | 'json' | 'csv' | 'tsv' | 'parquet'
  /** Called once per file with how many invalid pairs were skipped, and an example message. */
  onSkip?: ((file: string, skipped: number, example: string) => void) | null
}

const fileList = (f: string | string[]): string[] => (typeof f === 'string' ? [f] : f)

/**
 * Every pair of the train files tagged by a seeded hash of its group (the group column, else the
 * prompt text), so one prompt's pairs never straddle splits; then the explicit val and test files.
 */
export async function* readPairSplits(
  files: SplitFiles,
  options: PairFileOptions = {},
  split: SplitOptions = {},
): AsyncGenerator<TrainingPair> {
  const o = resolveSplitOptions({
    ...split,
    valFraction: files.val ? 0 : split.valFraction,
    testFraction: files.test ? 0 : split.testFraction,
  })
  const read = async function* (file: string, side: Split | null) {
    const stream = readPreferencePairs(file, options)
    for await (const p of stream) {
      yield Object.assign(p, { split: side ?? ratingsSplit({ prompt: p.prompt, group: p.group }, o) })
    }
    if (stream.summary.skipped > 0) options.onSkip?.(file, stream.summary.skipped, stream.summary.skipExamples[0])
  }
  for (const f of fileList(files.train)) yield* read(f, null)
  for (const f of files.val ? fileList(files.val) : []) yield* read(f, 'val')
  for (const f of files.test ? fileList(files.test) : []) yield* read(f, 'test')
}

/**
 * Pairs derived from ratings: within each prompt group of each split, every two responses whose
 * merged ratings Σ w_a·s_a differ make a pair, the higher one `chosen`; ties are skipped, and so
 * are rows missing a rating with a nonzero weight. Each response keeps its side features (--features).
 * Holds the split's texts in memory.
 */
export async function pairsFromRatings(
  examples: AsyncIterable<SplitExample> | Iterable<SplitExample>,
  weights: number[],
): Promise<TrainingPair[]> {
  const groups = new Map<string, { e: SplitExample; r: number }[]>()
  for await (const e of examples) {
    let r = 0
    let complete = true
    weights.forEach((w, a) => {
      if (w === 0) return
      const s = e.targets[a]
      if (s === null || s === undefined || Number.isNaN(s)) complete = false
      else r += w * s
    })
    if (!complete) continue
    const key = `${e.split}\u0000${e.group ?? `prompt:${e.prompt}`}`
    const list = groups.get(key) ?? []
    list.push({ e, r })
    groups.set(key, list)
  }
  const pairs: TrainingPair[] = []
  for (const list of groups.values()) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        if (list[i].r === list[j].r) continue
        const [c, r] = list[i].r > list[j].r ? [list[i], list[j]] : [list[j], list[i]]
        pairs.push({
          prompt: c.e.prompt,
          messages: c.e.messages,
          chosen: c.e.response,
          rejected: r.e.response,
          group: c.e.group,
          line: c.e.line,
          split: c.e.split,
          ...(c.e.features && { chosenFeatures: c.e.features }),
          ...(r.e.features && { rejectedFeatures: r.e.features }),
        })
      }
    }
  }
  return pairs
}

/** A pair's two feature-store rows: (x, y_c) then (x, y_r), both labelled [p, m]. */
export function pairRows(p: PreferencePair): [StoreRow, StoreRow] {
  const [c, r] = pairTexts(p)
  const targets = [p.label ?? 1, p.margin ?? 0]
  return [
    { pair: c, targets },
    { pair: r, targets },
  ]
}

/** Pairs of a feature store built from pairRows: a BatchSource whose examples are pairs. */
export const pairSource = (store: BatchSource): BatchSource => groupedSource(store, 2)

export interface PairStoreOptions {
  dir: string
  batchSize?: number
  onProgress?: ((split: Split, pairs: number) => void) | null
}

/** One feature store per split that has pairs (two rows per pair); reused when the texts match. */
export async function pairStores(
  featurizer: Featurizer,
  pairs: () => AsyncIterable<TrainingPair> | Iterable<TrainingPair>,
  options: PairStoreOptions,
): Promise<Partial<Record<Split, FeatureStore>>> {
  const counts: Record<Split, number> = { train: 0, val: 0, test: 0 }
  for await (const p of pairs()) counts[p.split]++
  if (counts.train === 0)
    throw new DataError('no training pairs after the split (check the file and --val-fraction/--test-fraction)')
  const stores: Partial<Record<Split, FeatureStore>> = {}
  for (const split of ['train', 'val', 'test'] as const) {
    if (counts[split] === 0) continue
    const rows = async function* () {
      for await (const p of pairs()) if (p.split === split) yield* pairRows(p)
    }
    const { store } = await cachedFeatureStore(featurizer, rows, {
      dir: options.dir,
      batchSize: options.batchSize,
      attributes: PAIR_LABELS,
      onProgress: (pr) => options.onProgress?.(split, pr.rows / 2),
    })
    stores[split] = store
  }
  return stores
}

/** Dense pair features of a pair source: chosen and rejected [n, d], labels p and margins m [n]. */
export async function pairFeatures(
  source: BatchSource,
): Promise<{ chosen: Matrix; rejected: Matrix; labels: Float32Array; margins: Float32Array }> {
  const n = source.rows
  const d = source.dim
  const chosen = new Float32Array(n * d)
  const rejected = new Float32Array(n * d)
  const labels = new Float32Array(n)
  const margins = new Float32Array(n)
  for await (const b of source.chunks(4096)) {
    const m = b.y.length / 2
    for (let i = 0; i < m; i++) {
      chosen.set(b.x.data.subarray(2 * i * d, (2 * i + 1) * d), (b.start + i) * d)
      rejected.set(b.x.data.subarray((2 * i + 1) * d, (2 * i + 2) * d), (b.start + i) * d)
      labels[b.start + i] = b.y[2 * i]
      margins[b.start + i] = b.y[2 * i + 1]
    }
  }
  return { chosen: { rows: n, cols: d, data: chosen }, rejected: { rows: n, cols: d, data: rejected }, labels, margins }
}
