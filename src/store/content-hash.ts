/**
 * Content hashes that key the feature store: one over the texts of every row in order (prompt,
 * response, messages), one over the targets. Features are reused when only the labels change.
 *
 * @example
 *   const h = new ContentHasher(['quality'])
 *   h.add({ prompt: 'Hi', response: 'Hello' }, [4])
 *   h.textDigest()      // 'a3f1…' (32 hex chars); same texts in the same order -> same digest
 */
import { createHash, type Hash } from 'node:crypto'
import type { TextPair } from '../featurize/featurizer.ts'

export class ContentHasher {
  private readonly text: Hash = createHash('sha256')
  private readonly targets: Hash = createHash('sha256')
  rows = 0

  constructor(attributes: readonly string[] | number) {
    this.targets.update(JSON.stringify(attributes))
  }

  /** targets: [attributes] as float32, NaN = missing (the stored form, so the hash matches the file). */
  add(pair: TextPair, targets: Float32Array): void {
    // JSON keeps the fields unambiguous (no separator can be faked by a text).
    this.text.update(JSON.stringify([pair.prompt, pair.response, pair.messages ?? null]))
    this.text.update('\n')
    this.targets.update(new Uint8Array(targets.buffer, targets.byteOffset, targets.byteLength))
    this.rows++
  }

  textDigest(): string {
    return this.text.copy().digest('hex').slice(0, 32)
  }

  targetsDigest(): string {
    return this.targets.copy().update(`rows:${this.rows}`).digest('hex').slice(0, 32)
  }
}
