/**
 * `rewardfit demo` (also `npm start`): generates the built-in synthetic support-reply dataset, trains
 * a reward model on it, evaluates it on held-out questions and ranks a few candidate replies.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Command } from 'commander'
import { writeDemoDataset } from '../demo/write.ts'
import { trainRewardModel } from '../pipeline/train-reward-model.ts'
import { metricsTable } from './metrics-table.ts'
import { intFlag } from './parse-flags.ts'
import { stageProgress } from './stage-progress.ts'

interface DemoFlags {
  dir: string
  seed: number
  prompts: number
  quiet?: boolean
}

const CANDIDATES = {
  prompt: 'Hi, my order #4411 still has not arrived after two weeks. Where is it?',
  responses: [
    "Thanks for reaching out, and sorry for the wait! Orders usually arrive within 5-7 business days; you can track yours under Orders > Track package, and if it still hasn't moved we'll send a replacement for free.",
    'Check the tracking page.',
    'Figure it out yourself. Not my problem.',
    'Our return policy allows returns within 30 days of delivery, and refunds go back to the original payment method.',
  ],
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
        cacheDir: join(f.dir, 'cache'),
        onProgress: progress?.onProgress ?? null,
      })
      say(`\nHeld-out questions (test split, ${r.summary.rows.test} replies), rating scale 0-4:`)
      if (r.metrics.test) say(metricsTable(r.metrics.test))
      const scored = await r.model.score(
        CANDIDATES.responses.map((response) => ({ prompt: CANDIDATES.prompt, response })),
      )
      const order = Array.from(scored.rewards.keys()).sort((a, b) => scored.rewards[b] - scored.rewards[a])
      say(`\nBest-of-${CANDIDATES.responses.length} for: "${CANDIDATES.prompt}"`)
      for (const i of order) {
        const text = CANDIDATES.responses[i]
        say(`  ${scored.rewards[i].toFixed(2)}  ${text.length > 90 ? `${text.slice(0, 87)}...` : text}`)
      }
      say(`\nModel saved to ${out} (${r.summary.seconds.toFixed(1)} s). Next:`)
      say(`  rewardfit score --model ${out} --data ${data.path} | head`)
      say(`  rewardfit eval --model ${out} --data ${data.path}`)
      say(`  rewardfit serve --model ${out}`)
    })
}
