/**
 * `rewardfit demo` (also `npm start`): generates the built-in synthetic support-reply dataset, trains
 * a reward model on it, evaluates it on held-out questions and ranks a few candidate replies.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Command } from 'commander'
import { readRatingSplits, type SplitOptions } from '../data/split.ts'
import { demoDataOptions, writeDemoDataset } from '../demo/write.ts'
import { type TrainRewardModelResult, trainRewardModel } from '../pipeline/train-reward-model.ts'
import { metricsTable } from './metrics-table.ts'
import { intFlag } from './parse-flags.ts'
import { stageProgress } from './stage-progress.ts'

interface DemoFlags {
  dir: string
  seed: number
  prompts: number
  quiet?: boolean
}

/** The replies to the first question of the held-out test split, with their rated reward. */
async function heldOutQuestion(file: string, r: TrainRewardModelResult, seed: number) {
  const split = r.model.config.training?.split as SplitOptions
  const rows: { prompt: string; response: string; rated: number }[] = []
  const w = r.model.config.attributeWeights
  for await (const e of readRatingSplits({ train: file }, demoDataOptions(), { ...split, seed })) {
    if (e.split !== 'test') continue
    if (rows.length > 0 && e.prompt !== rows[0].prompt) break
    rows.push({ prompt: e.prompt, response: e.response, rated: w.reduce((s, wa, a) => s + wa * e.targets[a], 0) })
  }
  return rows
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('generate the built-in synthetic ratings, train, evaluate on held-out questions and rank examples')
    .option('--dir <dir>', 'where the demo data and model go', '.rewardfit-demo')
    .option('--seed <n>', 'seeds the data, the split and the fit', intFlag('--seed', 0), 0)
    .option('--prompts <n>', 'questions to generate (6 replies each)', intFlag('--prompts', 10), 300)
    .option('--quiet', 'no progress output')
    .addHelpText(
      'after',
      '\nExample:\n  $ rewardfit demo            # about 1,800 rated replies; finishes in well under a minute\n',
    )
    .action(async (f: DemoFlags) => {
      await mkdir(f.dir, { recursive: true })
      const data = await writeDemoDataset(join(f.dir, 'demo.jsonl'), { seed: f.seed, prompts: f.prompts })
      const say = (s: string) => process.stdout.write(`${s}\n`)
      say(`Generated ${data.rows} synthetic replies to ${data.prompts} support questions: ${data.path}`)
      say(`Attributes (0-4): ${data.attributes.join(', ')}. The data is synthetic; see src/demo/DEMO.md.\n`)
      const progress = f.quiet ? null : stageProgress()
      const out = join(f.dir, 'model')
      const r = await trainRewardModel({
        data: data.path,
        out,
        dataOptions: data.dataOptions,
        split: { valFraction: 0.1, testFraction: 0.2, seed: f.seed },
        head: 'ridge',
        // The predictive std's fit costs ~7 s at d = 4096 on these 1,194 rows (five missing-label
        // patterns; README "How sure a reward is"), more than the whole demo: it shows ranking, not std.
        uncertainty: false,
        cacheDir: join(f.dir, 'cache'),
        onProgress: progress?.onProgress ?? null,
      })
      say(`\nHeld-out questions (test split, ${r.summary.rows.test} replies), rating scale 0-4:`)
      if (r.metrics.test) say(metricsTable(r.metrics.test))
      const question = await heldOutQuestion(data.path, r, f.seed)
      const scored = await r.model.score(question)
      const order = Array.from(scored.rewards.keys()).sort((a, b) => scored.rewards[b] - scored.rewards[a])
      say(`\nBest-of-${question.length} on a held-out question: "${question[0]?.prompt}"`)
      say('  reward  rated  reply')
      for (const i of order) {
        const text = question[i].response
        const rated = Number.isNaN(question[i].rated) ? '  -  ' : question[i].rated.toFixed(2)
        say(
          `  ${scored.rewards[i].toFixed(2).padStart(6)}  ${rated}  ${text.length > 80 ? `${text.slice(0, 77)}...` : text}`,
        )
      }
      say(`\nModel saved to ${out} (${r.summary.seconds.toFixed(1)} s). Next:`)
      say(`  rewardfit score --model ${out} --data ${data.path} | head`)
      say(`  rewardfit eval --model ${out} --data ${data.path}`)
      say(`  rewardfit serve --model ${out}`)
    })
}
