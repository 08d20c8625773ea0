/**
 * Temp-file helpers for the data tests: each test writes its own small input into a fresh folder.
 *
 * @example
 *   const file = await tempFile('a.csv', 'prompt,response\nhi,yo\n')
 */
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export async function tempFile(name: string, content: string | Uint8Array): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rewardfit-data-'))
  const file = join(dir, name)
  await writeFile(file, content)
  return file
}

/** All items of batches, flattened. */
export async function collectBatches<T>(it: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = []
  for await (const batch of it) out.push(...batch)
  return out
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}
