/**
 * `rewardfit rank --model DIR --prompt "..." --responses FILE`: best-of-n from the command line.
 * FILE holds one response per line, or JSONL whose lines are strings or {"response": "..."};
 * `-` reads standard input.
 *
 * @example
 *   rewardfit rank --model models/hanna --prompt "Write a haiku about rain" --responses candidates.txt --top-k 3
 *   // rank  reward  fluency  coherence  response
 *   // 1     3.8120  ...
 */
import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { DataError } from '../errors.ts'
import { loadRewardModel } from '../model/load-model.ts'
import { type RankBy, rankScored } from '../serve/rank.ts'
import { modelLoadOptions } from './env.ts'
import { table } from './format.ts'
import { intFlag } from './serve.ts'

/**
 * Responses from a file's text. JSONL when the first non-blank line is a JSON string or object;
 * then every non-blank line must be. Otherwise one response per line (blank lines skipped).
 */
export function parseResponses(text: string, file: string): string[] {
  const lines = text.split(/\r?\n/)
  const first = lines.find((l) => l.trim() !== '')?.trim() ?? ''
  const jsonl = (first.startsWith('"') || first.startsWith('{')) && isJson(first)
  const out: string[] = []
  lines.forEach((line, i) => {
    if (line.trim() === '') return
    if (!jsonl) {
      out.push(line)
      return
    }
    let v: unknown
    try {
      v = JSON.parse(line)
    } catch (err) {
      throw new DataError(
        `not valid JSON (${(err as Error).message}); in a JSONL file every line is a JSON string or {"response": "..."}`,
        { file, line: i + 1 },
      )
    }
    if (typeof v === 'string') out.push(v)
    else if (v && typeof v === 'object' && typeof (v as { response?: unknown }).response === 'string')
      out.push((v as { response: string }).response)
    else
      throw new DataError('expected a JSON string or an object with a string "response"', {
        file,
        line: i + 1,
        field: 'response',
      })
  })
  if (out.length === 0) throw new DataError('holds no responses; put one response per line (or JSONL)', { file })
  return out
}

function isJson(s: string): boolean {
  try {
    JSON.parse(s)
    return true
  } catch {
    return false
  }
}

interface RankFlags {
  model: string
  prompt: string
  responses: string
  topK?: string
  by: string
  json?: boolean
  offline?: boolean
  cacheDir?: string
}

const clip = (s: string, n: number): string => {
  const one = s.replace(/\s+/g, ' ').trim()
  return one.length > n ? `${one.slice(0, n - 1)}…` : one
}

export function registerRankCommand(program: Command): void {
  program
    .command('rank')
    .description('Rank responses to one prompt by reward (best-of-n)')
    .requiredOption('--model <dir>', 'model folder (config.json + head.safetensors)')
    .requiredOption('--prompt <text>', 'the prompt the responses answer')
    .requiredOption(
      '--responses <file>',
      'one response per line, or JSONL of strings or {"response": ...}; - reads stdin',
    )
    .option('--top-k <n>', 'print only the best n (default: all)')
    .option('--by <key>', 'mean: by reward; lcb: by reward − 1.645·std (needs a model with uncertainty)', 'mean')
    .option('--json', 'print the ranking as JSON')
    .option('--offline', 'never download backbone files; use the cache (also REWARDFIT_OFFLINE=1)')
    .option('--cache-dir <dir>', 'where hf: backbones are cached (default: $REWARDFIT_CACHE or ~/.cache/rewardfit)')
    .addHelpText(
      'after',
      `
Examples:
  $ rewardfit rank --model models/rm --prompt "Where is my order?" --responses candidates.txt
  $ rewardfit rank --model models/rm --prompt "Where is my order?" --responses candidates.txt --by lcb
  $ printf 'Track it under Orders.\\nNo idea.\\n' | rewardfit rank --model models/rm --prompt "Where is my order?" --responses - --top-k 1
`,
    )
    .action(async (flags: RankFlags) => {
      const topK = intFlag('--top-k', flags.topK, 1)
      const file = flags.responses === '-' ? '(stdin)' : flags.responses
      let text: string
      try {
        text = flags.responses === '-' ? await readStdin() : await readFile(flags.responses, 'utf8')
      } catch (err) {
        throw new DataError(
          `cannot read the responses (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check the path`,
          { file },
          { cause: err },
        )
      }
      const responses = parseResponses(text, file)
      const model = await loadRewardModel(flags.model, modelLoadOptions(flags))
      try {
        const scored = await model.score(responses.map((response) => ({ prompt: flags.prompt, response })))
        const ranked = rankScored(responses, scored, model.attributes, { topK, by: flags.by as RankBy })
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(ranked, null, 2)}\n`)
          return
        }
        const withStd = scored.std !== undefined
        const header = ['rank', 'reward', ...(withStd ? ['std', 'lcb'] : []), ...model.attributes, 'line', 'response']
        const rows = ranked.map((r) => [
          String(r.rank),
          r.reward,
          ...(withStd ? [r.std as number, r.lcb as number] : []),
          ...model.attributes.map((a) => r.scores[a]),
          String(r.index + 1),
          clip(r.response, 60),
        ])
        process.stdout.write(`${table(header, rows)}\n`)
      } finally {
        await model.featurizer.dispose?.()
      }
    })
}

async function readStdin(): Promise<string> {
  let s = ''
  for await (const chunk of process.stdin) s += chunk
  return s
}
