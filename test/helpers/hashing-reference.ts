/**
 * The hashing featurizer rebuilt from its documentation alone (README, "The hashing featurizer,
 * exactly", and config.json's featurizerRules): a byte-oriented MurmurHash3 over UTF-16LE bytes, the
 * tokenization, n-gram and column rules and the interaction formulas. Shares no code with
 * src/featurize/hashing*.ts, so the tests that compare the two catch any drift.
 */
import type { HashingOptions } from '../../src/featurize/hashing.ts'

export const DOCUMENTED_SEEDS = { word: 0x3c6ef372, ngram: 0x1f83d9ab, char: 0x5be0cd19 }

/** MurmurHash3_x86_32 of a byte string, written from the reference algorithm (4-byte LE blocks). */
export function murmur3Bytes(bytes: Buffer, seed: number): number {
  const c1 = 0xcc9e2d51
  const c2 = 0x1b873593
  const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r))
  let h = seed >>> 0
  const blocks = bytes.length >> 2
  for (let b = 0; b < blocks; b++) {
    let k = bytes.readUInt32LE(b * 4)
    k = Math.imul(rotl(Math.imul(k, c1), 15), c2)
    h = rotl(h ^ k, 13)
    h = (Math.imul(h, 5) + 0xe6546b64) >>> 0
  }
  const tail = bytes.length & 3
  if (tail > 0) {
    let k = 0
    if (tail >= 3) k ^= bytes[blocks * 4 + 2] << 16
    if (tail >= 2) k ^= bytes[blocks * 4 + 1] << 8
    k ^= bytes[blocks * 4]
    h ^= Math.imul(rotl(Math.imul(k, c1), 15), c2)
  }
  h ^= bytes.length
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}
const hashText = (s: string, seed: number) => murmur3Bytes(Buffer.from(s, 'utf16le'), seed)
const hashPair = (a: number, b: number, seed: number) => {
  const buf = Buffer.alloc(8)
  buf.writeUInt32LE(a, 0)
  buf.writeUInt32LE(b, 4)
  return murmur3Bytes(buf, seed)
}

function words(text: string): string[] {
  const t = /[\u0080-\uffff]/.test(text) ? text.normalize('NFKC') : text
  return t.toLowerCase().match(/[\p{L}\p{M}\p{N}]+/gu) ?? []
}

export type HashingReferenceSpec = Required<HashingOptions>

export function referenceVector(prompt: string, response: string, o: HashingReferenceSpec): Float64Array {
  const seeds = DOCUMENTED_SEEDS
  const I = o.interactions ? 13 : 0
  const hashed = o.dim - I
  const pDim = Math.round(hashed * o.promptShare)
  const rDim = hashed - pDim
  const out = new Float64Array(o.dim)
  const tf = (x: number) => (x === 0 || !o.sublinearTf ? x : Math.sign(x) * (1 + Math.log(Math.abs(x))))
  const block = (ws: string[], offset: number, width: number) => {
    const wordAcc = new Float64Array(width)
    const charAcc = new Float64Array(width)
    const add = (acc: Float64Array, h: number) => {
      acc[(h & 0x7fffffff) % width] += h >= 2 ** 31 ? -1 : 1
    }
    const hs = ws.map((w) => hashText(w, seeds.word))
    if (o.wordNgrams >= 1) for (const h of hs) add(wordAcc, h)
    for (let n = 2; n <= o.wordNgrams; n++) {
      for (let i = 0; i + n <= hs.length; i++) {
        let h = hs[i]
        for (let j = 1; j < n; j++) h = hashPair(h, hs[i + j], seeds.ngram)
        add(wordAcc, h)
      }
    }
    if (o.charNgramMin > 0 && o.charWeight > 0) {
      for (const w of ws) {
        const padded = ` ${w} `
        for (let n = o.charNgramMin; n <= o.charNgramMax; n++) {
          if (padded.length <= n) {
            add(charAcc, hashText(padded, seeds.char))
            break
          }
          for (let s = 0; s + n <= padded.length; s++) add(charAcc, hashText(padded.slice(s, s + n), seeds.char))
        }
      }
    }
    let norm = 0
    for (let j = 0; j < width; j++) {
      out[offset + j] = tf(wordAcc[j]) + o.charWeight * tf(charAcc[j])
      norm += out[offset + j] ** 2
    }
    if (norm > 0) for (let j = 0; j < width; j++) out[offset + j] /= Math.sqrt(norm)
  }
  const pw = words(prompt)
  const rw = words(response)
  if (pDim > 0) block(pw, 0, pDim)
  block(rw, pDim, rDim)
  if (I > 0) {
    // The documented formulas, on word hashes (a word is its hash).
    const ph = pw.map((w) => hashText(w, seeds.word))
    const rh = rw.map((w) => hashText(w, seeds.word))
    const pSet = new Set(ph)
    const rSet = new Set(rh)
    const shared = [...rSet].filter((h) => pSet.has(h)).length
    const bigrams = new Set(rh.slice(1).map((h, i) => hashPair(rh[i], h, seeds.ngram)))
    const pt = pw.length
    const rt = rw.length
    const letters = rw.reduce((s, w) => s + w.length, 0)
    const values = [
      Math.log1p(prompt.length) / 8,
      Math.log1p(response.length) / 8,
      Math.log1p(pt) / 6,
      Math.log1p(rt) / 6,
      (Math.log1p(response.length) - Math.log1p(prompt.length)) / 4,
      (Math.log1p(rt) - Math.log1p(pt)) / 4,
      rt > 0 ? rh.filter((h) => pSet.has(h)).length / rt : 0,
      pSet.size > 0 ? shared / pSet.size : 0,
      pSet.size + rSet.size - shared > 0 ? shared / (pSet.size + rSet.size - shared) : 0,
      rt > 0 ? rSet.size / rt : 0,
      pt > 0 ? pSet.size / pt : 0,
      rt > 1 ? 1 - bigrams.size / (rt - 1) : 0,
      rt > 0 ? Math.min(letters / rt, 20) / 10 : 0,
    ]
    values.forEach((v, k) => {
      out[hashed + k] = o.interactionWeight * v
    })
  }
  return out
}
