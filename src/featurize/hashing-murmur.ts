/**
 * MurmurHash3 (x86, 32-bit) over UTF-16 code units, two units per 32-bit block, so n-grams hash
 * straight from a range of a string without allocating substrings. Browser-safe.
 *
 * @example
 *   murmur3('hello', 0)                  // a uint32; same on every platform and run
 *   murmur3Padded('cat', 0, 2, 0)        // hash of ' c' in the padded word ' cat '
 */
import { fmix32 } from '../core/fmix32.ts'

// The MurmurHash3 finalizer lives on the ground floor (the split hashes rows with it too).
export { fmix32 }

const C1 = 0xcc9e2d51
const C2 = 0x1b873593

/** One 32-bit block's scramble (exported for incremental n-gram hashing). */
export function mixK(k: number): number {
  k = Math.imul(k, C1)
  k = (k << 15) | (k >>> 17)
  return Math.imul(k, C2)
}

/** Folds one 32-bit block into the state h. */
export function mixH(h: number, k: number): number {
  h ^= mixK(k)
  h = (h << 13) | (h >>> 19)
  return (Math.imul(h, 5) + 0xe6546b64) | 0
}

/** Hash of s[start, end) (code units). */
export function murmur3(s: string, seed: number, start = 0, end = s.length): number {
  let h = seed | 0
  let i = start
  for (; i + 1 < end; i += 2) h = mixH(h, s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16))
  if (i < end) h ^= mixK(s.charCodeAt(i))
  return fmix32(h ^ ((end - start) * 2))
}

/**
 * Hash of positions [start, end) of the virtual string ' ' + word + ' ' (sklearn's char_wb padding),
 * equal to murmur3(' ' + word + ' ', seed, start, end) without building the padded string.
 */
export function murmur3Padded(word: string, start: number, end: number, seed: number): number {
  const last = word.length + 1
  let h = seed | 0
  let i = start
  for (; i + 1 < end; i += 2) {
    const a = i === 0 || i === last ? 32 : word.charCodeAt(i - 1)
    const b = i + 1 === last ? 32 : word.charCodeAt(i)
    h = mixH(h, a | (b << 16))
  }
  if (i < end) h ^= mixK(i === 0 || i === last ? 32 : word.charCodeAt(i - 1))
  return fmix32(h ^ ((end - start) * 2))
}

/** Order-sensitive combination of two hashes (word bigrams). */
export function combineHashes(a: number, b: number, seed: number): number {
  return fmix32(mixH(mixH(seed | 0, a), b) ^ 8)
}
