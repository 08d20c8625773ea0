/**
 * Stable fingerprints of featurizer specs: the same spec gives the same string on every platform,
 * whatever the key order of the object. Browser-safe (a JS hash, not node:crypto).
 *
 * @example
 *   specFingerprint({ type: 'hashing', dim: 1024 }, 'hashing-1')   // 32 hex chars
 */
import { murmur3 } from './hashing-murmur.ts'

/** JSON with object keys sorted at every level, so equal specs serialize equally. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`
  const obj = value as Record<string, unknown>
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort()
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(obj[k])}`).join(',')}}`
}

/** 128-bit hex digest of a string (four seeded MurmurHash3 lanes; not cryptographic). */
export function hashString(s: string): string {
  let out = ''
  for (const seed of [0x9747b28c, 0x2f1d4a7b, 0x5bd1e995, 0x68e31da4])
    out += murmur3(s, seed).toString(16).padStart(8, '0')
  return out
}

/** Fingerprint of a spec plus the code version that turns it into vectors. */
export function specFingerprint(spec: object, version: string): string {
  return hashString(`${version}\n${stableStringify(spec)}`)
}
