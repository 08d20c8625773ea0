/**
 * `select` as one library call: read a pool of unlabelled (prompt, response) rows, drop the rows
 * already labelled (they appear in a `labelled` file, by default the model's own training,
 * validation and test files) and exact duplicates (first kept), featurize the rest, pick `budget`
 * rows (model/select-rows.ts) and return them in input order with the reason each was picked.
 *
 * @example
 *   const { picks } = await selectFromPool(model, 'pool.jsonl', { budget: 50, strategy: 'greedy' })
 *   picks[0]   // { index: 3, line: 4, prompt, response, pick: 12, std: 0.61, std_before: 0.74, reason: '...' }
 */
import { existsSync } from 'node:fs'
import type { DataOptions } from '../data/options.ts'
import { readRatings } from '../data/read-ratings.ts'
import { RewardfitError } from '../errors.ts'
import type { TextPair } from '../featurize/featurizer.ts'
import type { RewardModel } from '../model/reward-model.ts'
import { type SelectOptions, selectRows } from '../model/select-rows.ts'

export interface SelectPoolOptions extends SelectOptions {
  /** Files whose rows are already labelled; default the model's recorded train/val/test files. */
  labelled?: string[] | null
  /** How to read the pool (and the labelled files): columns, format, quoting. */
  dataOptions?: DataOptions
  /** Rows featurized per batch. */
  batchSize?: number
}

export interface SelectedRow {
  /** 0-based row of the pool file. */
  index: number
  /** 1-based line (or row) in the pool file. */
  line: number
  prompt: string
  response: string
  /** 0 for the first pick. */
  pick: number
  /** The reward's std when picked (greedy: after the earlier picks); null for a model without uncertainty. */
  std: number | null
  std_before: number | null
  reason: string
}

export interface SelectPoolResult {
  picks: SelectedRow[]
  poolRows: number
  skippedLabelled: number
  skippedDuplicates: number
  labelledFiles: string[]
  /** E.g. a recorded training file that no longer exists (its rows could not be skipped). */
  warnings: string[]
}

const key = (p: TextPair) => `${p.prompt}\u0000${p.response}`

export async function selectFromPool(
  model: RewardModel,
  pool: string,
  options: SelectPoolOptions,
): Promise<SelectPoolResult> {
  const { labelled = null, dataOptions = {}, batchSize = 256, ...select } = options
  const textOnly = { ...dataOptions, targetColumns: [], scale: null, requireTargets: false }
  const warnings: string[] = []
  const recorded = labelled ? [] : recordedFiles(model)
  for (const f of recorded.filter((f) => !existsSync(f))) {
    warnings.push(`the model's recorded data file ${f} is not here; its rows are not skipped (pass --labelled FILE)`)
  }
  const files = labelled ?? recorded.filter((f) => existsSync(f))
  const known = new Set<string>()
  for (const f of files) {
    try {
      for await (const e of readRatings(f, textOnly)) known.add(key(e))
    } catch (err) {
      throw new RewardfitError(
        `cannot read the labelled rows in ${f} (${(err as Error).message}); pass --labelled FILE (or --labelled none)`,
        { cause: err },
      )
    }
  }
  const rows: { index: number; line: number; pair: TextPair }[] = []
  const seen = new Set<string>()
  let poolRows = 0
  let skippedLabelled = 0
  let skippedDuplicates = 0
  for await (const e of readRatings(pool, textOnly)) {
    const index = poolRows++
    const k = key(e)
    if (known.has(k)) skippedLabelled++
    else if (seen.has(k)) skippedDuplicates++
    else {
      seen.add(k)
      rows.push({ index, line: e.line, pair: { prompt: e.prompt, response: e.response, messages: e.messages } })
    }
  }
  const d = model.featurizer.dim
  const x = new Float32Array(rows.length * d)
  for (let s = 0; s < rows.length; s += batchSize) {
    const batch = rows.slice(s, s + batchSize).map((r) => r.pair)
    x.set(await model.featurizer.featurize(batch), s * d)
  }
  const strategy = select.strategy ?? 'greedy'
  const picks = await selectRows(
    model.uncertainty,
    model.config.attributeWeights,
    { rows: rows.length, cols: d, data: x },
    select,
  )
  const hasStd = model.hasUncertainty
  const out: SelectedRow[] = picks.map((p) => {
    const r = rows[p.row]
    const reason =
      strategy === 'random'
        ? 'random sample (baseline)'
        : strategy === 'variance'
          ? `reward std ${p.std.toFixed(4)}, rank ${p.order + 1} in the pool`
          : `greedy pick ${p.order + 1}: reward std ${p.std.toFixed(4)} given the ${p.order} earlier pick(s) (${p.stdBefore.toFixed(4)} before any)`
    return {
      index: r.index,
      line: r.line,
      prompt: r.pair.prompt,
      response: r.pair.response,
      pick: p.order,
      std: hasStd ? p.std : null,
      std_before: hasStd ? p.stdBefore : null,
      reason,
    }
  })
  out.sort((a, b) => a.index - b.index)
  return { picks: out, poolRows, skippedLabelled, skippedDuplicates, labelledFiles: files, warnings }
}

/** The train/val/test files recorded in config.training.data (only local paths, not hf: datasets). */
function recordedFiles(model: RewardModel): string[] {
  const data = (model.config.training?.data ?? {}) as Record<string, unknown>
  return ['train', 'val', 'test']
    .map((s) => data[s])
    .filter((f): f is string => typeof f === 'string' && f !== '' && !f.startsWith('hf:'))
}
