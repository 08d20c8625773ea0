import assert from 'node:assert/strict'
import { test } from 'node:test'
import { combineHashes, murmur3, murmur3Padded } from './hashing-murmur.ts'

// Byte-wise MurmurHash3_x86_32 written from the published algorithm, checked below against the
// reference vectors (the same values sklearn.utils.murmurhash3_32 gives).
function murmurBytes(bytes: Uint8Array, seed: number): number {
  let h = seed >>> 0
  const n = bytes.length
  const blocks = n >> 2
  const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r))
  for (let i = 0; i < blocks; i++) {
    let k = bytes[4 * i] | (bytes[4 * i + 1] << 8) | (bytes[4 * i + 2] << 16) | (bytes[4 * i + 3] << 24)
    k = Math.imul(rotl(Math.imul(k, 0xcc9e2d51), 15), 0x1b873593)
    h = (Math.imul(rotl(h ^ k, 13), 5) + 0xe6546b64) | 0
  }
  let k = 0
  const t = blocks * 4
  const tail = n & 3
  if (tail >= 3) k ^= bytes[t + 2] << 16
  if (tail >= 2) k ^= bytes[t + 1] << 8
  if (tail >= 1) {
    k ^= bytes[t]
    h ^= Math.imul(rotl(Math.imul(k, 0xcc9e2d51), 15), 0x1b873593)
  }
  h ^= n
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

const utf16 = (s: string) => new Uint8Array(Buffer.from(s, 'utf16le'))

test('the byte reference reproduces published MurmurHash3_x86_32 vectors', () => {
  assert.equal(murmurBytes(new TextEncoder().encode('Hello, world!'), 1234), 0xfaf6cdb3)
  assert.equal(murmurBytes(new TextEncoder().encode('The quick brown fox jumps over the lazy dog'), 0), 0x2e4ff723)
  assert.equal(murmurBytes(new Uint8Array(0), 1), 0x514e28b7)
})

test('murmur3 equals MurmurHash3 of the UTF-16LE bytes, whole strings and ranges', () => {
  assert.equal(murmur3('héllo €', 7), 0x519e68f0) // sklearn murmurhash3_32('héllo €'.encode('utf-16-le'), 7)
  for (const s of ['', 'a', 'ab', 'abc', 'héllo wörld', '日本語のテキスト', '🙂 emoji']) {
    assert.equal(murmur3(s, 99), murmurBytes(utf16(s), 99), s)
    for (let a = 0; a <= s.length; a++)
      for (let b = a; b <= s.length; b++) assert.equal(murmur3(s, 5, a, b), murmurBytes(utf16(s.slice(a, b)), 5))
  }
})

test('murmur3Padded equals hashing the padded word', () => {
  for (const w of ['a', 'to', 'word', 'straße', '漢字']) {
    const p = ` ${w} `
    for (let a = 0; a < p.length; a++)
      for (let b = a + 1; b <= p.length; b++)
        assert.equal(murmur3Padded(w, a, b, 11), murmur3(p, 11, a, b), `${p}[${a},${b})`)
  }
})

test('combineHashes is order-sensitive and seed-dependent', () => {
  const a = murmur3('new', 0)
  const b = murmur3('york', 0)
  assert.notEqual(combineHashes(a, b, 1), combineHashes(b, a, 1))
  assert.notEqual(combineHashes(a, b, 1), combineHashes(a, b, 2))
  assert.equal(combineHashes(a, b, 1), combineHashes(a, b, 1))
})
