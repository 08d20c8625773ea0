/**
 * A seeded ratings file for the distributed tests: prompts in groups, two attributes on 1-5 that
 * depend on the words, about one row in eight missing attribute b.
 *
 * @example
 *   const file = await writeRatingsJsonl(join(dir, 'r.jsonl'), 600)
 */
import { writeFile } from 'node:fs/promises'
import { Rng } from '../../src/compute/rng.ts'

const WORDS = [
  'order',
  'refund',
  'late',
  'thanks',
  'broken',
  'great',
  'size',
  'colour',
  'sorry',
  'fast',
  'never',
  'again',
]

export async function writeRatingsJsonl(file: string, rows: number, seed = 7): Promise<string> {
  const rng = new Rng(seed)
  const text = (n: number) => Array.from({ length: n }, () => WORDS[rng.int(WORDS.length)]).join(' ')
  const lines: string[] = []
  for (let i = 0; i < rows; i++) {
    const response = text(3 + rng.int(12))
    const good = (response.match(/great|thanks|fast/g) ?? []).length
    const bad = (response.match(/broken|late|never/g) ?? []).length
    const a = Math.min(5, Math.max(1, 3 + good - bad + Math.round(rng.float() * 2 - 1)))
    const b = i % 8 === 3 ? null : Math.min(5, Math.max(1, 1 + Math.round(response.length / 20)))
    lines.push(JSON.stringify({ prompt_id: `p${Math.floor(i / 3)}`, prompt: text(4), response, a, b }))
  }
  await writeFile(file, `${lines.join('\n')}\n`)
  return file
}
