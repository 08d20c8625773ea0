/**
 * Seeded PRNG (xoshiro128**) whose whole state is four uint32s, so a checkpoint can save and
 * restore it exactly. Math.random is never used: the same seed must give the same model, bit for bit.
 *
 * @example
 *   const rng = new Rng(42); rng.float() // 0.7220...  (always the same)
 */
/**
 * The one default seed of rewardfit: the split, the init, shuffling and dropout all start from it
 * unless given another, in the library and the CLI alike.
 */
export const DEFAULT_SEED = 42

export class Rng {
  private s: Uint32Array

  constructor(seed: number | Uint32Array = 0) {
    if (seed instanceof Uint32Array) {
      this.s = Uint32Array.from(seed)
      return
    }
    // splitmix32 expands one seed into the 128-bit state.
    this.s = new Uint32Array(4)
    let x = seed >>> 0
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0
      let z = x
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
      this.s[i] = (z ^ (z >>> 16)) >>> 0
    }
    if (this.s.every((v) => v === 0)) this.s[0] = 1
  }

  /** The state, for checkpoints. */
  get state(): number[] {
    return Array.from(this.s)
  }
  static fromState(state: number[]): Rng {
    return new Rng(Uint32Array.from(state))
  }

  /** Uniform uint32. */
  next(): number {
    const s = this.s
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0
    const t = s[1] << 9
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = rotl(s[3], 11)
    return result
  }

  /** Uniform in [0, 1), 53 random bits. */
  float(): number {
    return ((this.next() >>> 5) * 67108864 + (this.next() >>> 6)) / 9007199254740992
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n)
  }

  /** Standard normal (Box-Muller; no cached spare, so the state stays four uint32s). */
  normal(): number {
    let u = 0
    while (u === 0) u = this.float()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.float())
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const t = a[i]
      a[i] = a[j]
      a[j] = t
    }
    return a
  }

  /** A permutation of 0..n-1. */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n)
    for (let i = 0; i < n; i++) p[i] = i
    return this.shuffle(p)
  }
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0
