/**
 * Writes the demo dataset as JSON Lines, atomically (a temp file in the same folder, then rename), so
 * a reader never sees half a file. One row per reply:
 *   {"prompt_id":"q1","topic":"size-exchange","prompt":"...","response":"...","relevance":4,...,"safety":3.6667}
 * A missing rating is written as null.
 *
 * @example
 *   const { rows, dataOptions } = await writeDemoDataset('demo.jsonl', { seed: 0 })   // rows: 1800
 *   readRatings('demo.jsonl', dataOptions)   // targets: relevance..safety, scale 0:4, grouped by prompt_id
 */
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { DataOptions } from '../data/options.ts'
import { type DemoOptions, generateDemoDataset } from './generate.ts'
import { DEMO_ATTRIBUTES, DEMO_SCALE } from './rubric.ts'

/** How to read a written demo file: every attribute as a target, its 0:4 scale, grouped by question. */
export function demoDataOptions(): DataOptions {
  return { targetColumns: [...DEMO_ATTRIBUTES], scale: DEMO_SCALE, groupColumn: 'prompt_id' }
}

export interface DemoWriteResult {
  path: string
  rows: number
  prompts: number
  attributes: string[]
  dataOptions: DataOptions
}

export async function writeDemoDataset(path: string, options: DemoOptions = {}): Promise<DemoWriteResult> {
  const rows = generateDemoDataset(options)
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  const out = createWriteStream(tmp)
  try {
    for (const row of rows) {
      const record: Record<string, unknown> = {
        prompt_id: row.group,
        topic: row.topic,
        prompt: row.prompt,
        response: row.response,
      }
      DEMO_ATTRIBUTES.forEach((a, i) => {
        record[a] = Number.isNaN(row.targets[i]) ? null : row.targets[i]
      })
      if (!out.write(`${JSON.stringify(record)}\n`)) await once(out, 'drain')
    }
    out.end()
    await once(out, 'finish')
    await rename(tmp, path)
  } catch (err) {
    out.destroy()
    await rm(tmp, { force: true })
    throw err
  }
  return {
    path,
    rows: rows.length,
    prompts: new Set(rows.map((r) => r.group)).size,
    attributes: [...DEMO_ATTRIBUTES],
    dataOptions: demoDataOptions(),
  }
}
