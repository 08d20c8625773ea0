/**
 * What a merge learned from pairs does to pair accuracy on HANNA, against the fixed merge (1/6 each).
 * Pairs are derived within a prompt from the ratings: the story with the higher mean rating is
 * `chosen`, ties are skipped. Four folds over prompt_id; in each, the test prompts' pairs are held
 * out, the attribute heads (hashing + ridge) are trained on two thirds of the other prompts, and the
 * merge is learned from the pairs of the last third exactly as `rewardfit merge` does (learnMerge:
 * a fifth of those prompts pick the step kept), so neither stage sees the test prompts and the merge
 * never sees the heads' in-sample scores. Accuracies are pooled over the folds (ties count half).
 * Reads ../shared/data where it lies; writes only temporary files.
 *
 * @example
 *   node --import tsx scripts/merge-hanna.ts [DATA_DIR]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { hashKey } from '../src/data/split.ts'
import type { PreferencePair } from '../src/eval/preference-pair.ts'
import { pairFit } from '../src/model/merge/fit-merge.ts'
import { fixedMerge } from '../src/model/merge/fixed.ts'
import { learnMerge, scorePairSet } from '../src/pipeline/learn-merge.ts'
import { trainRewardModel } from '../src/pipeline/train-reward-model.ts'
import { defaultDataDir, HANNA_ATTRIBUTES } from './tune-hashing.ts'

interface Row {
  prompt_id: string
  prompt: string
  story: string
  [attr: string]: string | number
}

const FOLDS = 4
const dataDir = process.argv[2] ?? defaultDataDir()
const rows: Row[] = readFileSync(join(dataDir, 'hanna/hanna.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l))
const mean = (r: Row) => HANNA_ATTRIBUTES.reduce((s, a) => s + Number(r[a]), 0) / HANNA_ATTRIBUTES.length

/** Within-prompt pairs: higher mean rating is chosen; ties skipped. */
function pairsOf(rs: Row[]): PreferencePair[] {
  const out: PreferencePair[] = []
  const byPrompt = new Map<string, Row[]>()
  for (const r of rs) byPrompt.set(r.prompt_id, [...(byPrompt.get(r.prompt_id) ?? []), r])
  for (const group of byPrompt.values()) {
    for (let i = 0; i < group.length; i++) {
      for (let j = i + 1; j < group.length; j++) {
        const [a, b] = [group[i], group[j]]
        if (mean(a) === mean(b)) continue
        const [c, r] = mean(a) > mean(b) ? [a, b] : [b, a]
        out.push({ prompt: c.prompt, chosen: c.story, rejected: r.story, line: out.length + 1 })
      }
    }
  }
  return out
}

const prompts = [...new Set(rows.map((r) => r.prompt_id))].sort((a, b) => hashKey(a, 7) - hashKey(b, 7))
const tmp = mkdtempSync(join(tmpdir(), 'merge-hanna-'))
const totals = { fixed: [0, 0], global: [0, 0], gating: [0, 0] } as Record<string, [number, number]>
const perFold: Record<string, unknown>[] = []
const weightsSeen: Record<string, number[][]> = { global: [], gating: [] }
try {
  for (let f = 0; f < FOLDS; f++) {
    const test = new Set(prompts.filter((_, i) => i % FOLDS === f))
    const rest = prompts.filter((p) => !test.has(p))
    const mergeSide = new Set(rest.filter((_, i) => i % 3 === 2))
    const headRows = rows.filter((r) => !test.has(r.prompt_id) && !mergeSide.has(r.prompt_id))
    const file = join(tmp, `heads-${f}.jsonl`)
    writeFileSync(file, `${headRows.map((r) => JSON.stringify(r)).join('\n')}\n`)
    const { model } = await trainRewardModel({
      data: file,
      out: join(tmp, `model-${f}`),
      dataOptions: {
        responseColumn: 'story',
        targetColumns: [...HANNA_ATTRIBUTES],
        scale: '1:5',
        groupColumn: 'prompt_id',
      },
      split: { valFraction: 0.2, seed: 1 },
      cacheDir: join(tmp, 'cache'),
    })
    const k = HANNA_ATTRIBUTES.length
    const mergePairs = pairsOf(rows.filter((r) => mergeSide.has(r.prompt_id)))
    const testPairs = pairsOf(rows.filter((r) => test.has(r.prompt_id)))
    const testSet = await scorePairSet(model, testPairs, true)
    const fixed = pairFit(fixedMerge(model.config.attributeWeights), testSet, k)
    const fold: Record<string, unknown> = { fold: f, testPairs: testPairs.length, mergePairs: mergePairs.length, fixed }
    totals.fixed[0] += fixed.accuracy * fixed.pairs
    totals.fixed[1] += fixed.pairs
    for (const type of ['learned-global', 'gating'] as const) {
      const name = type === 'gating' ? 'gating' : 'global'
      const { model: merged, report } = await learnMerge(model, mergePairs, { type })
      const t = pairFit(merged.merge, testSet, k)
      totals[name][0] += t.accuracy * t.pairs
      totals[name][1] += t.pairs
      weightsSeen[name].push(report.meanWeights)
      fold[name] = {
        test: t,
        train: report.train.learned,
        step: report.bestEpoch,
        meanWeights: report.meanWeights.map((w) => +w.toFixed(3)),
      }
    }
    perFold.push(fold)
    console.log(JSON.stringify(fold))
  }
} finally {
  rmSync(tmp, { recursive: true, force: true })
}
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
)
for (const [name, [c, n]] of Object.entries(totals))
  console.log(`${name}: pair accuracy ${(c / n).toFixed(4)} on ${n} held-out pairs`)
for (const [name, ws] of Object.entries(weightsSeen)) {
  const avg = HANNA_ATTRIBUTES.map((_, a) => ws.reduce((s, w) => s + w[a], 0) / ws.length)
  console.log(`${name} mean weights: ${HANNA_ATTRIBUTES.map((a, i) => `${a} ${avg[i].toFixed(3)}`).join(', ')}`)
}
