/**
 * MurmurHash3's finalizer: a full avalanche of a 32-bit value, shared by the split's row hash
 * (data/split.ts) and the hashing featurizer's murmur3 (featurize/hashing-murmur.ts). Browser-safe.
 *
 * @example
 *   fmix32(0x811c9dc5)   // a uint32; same on every platform and run
 */
export function fmix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}
