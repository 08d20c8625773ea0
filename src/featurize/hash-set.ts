/**
 * A set of uint32 hashes that is emptied in O(1) and reused, for the hashing featurizer's
 * interaction features (a JavaScript Set per text costs more than the rest of the row).
 *
 * @example
 *   const s = new HashSet32()
 *   s.reset(3); s.add(7); s.add(7); s.add(9)   // true, false, true
 *   s.size                                       // 2; s.has(9) → true
 */
export class HashSet32 {
  size = 0
  private keys = new Uint32Array(64)
  /** Slot i holds a key of this generation when stamps[i] === gen. */
  private stamps = new Uint32Array(64)
  private gen = 1
  private mask = 63

  /** Empties the set, ready for up to `capacity` distinct keys. */
  reset(capacity: number): void {
    this.size = 0
    if (2 * capacity > this.keys.length) {
      let n = this.keys.length
      while (n < 2 * capacity) n *= 2
      this.keys = new Uint32Array(n)
      this.stamps = new Uint32Array(n)
      this.mask = n - 1
      this.gen = 1
      return
    }
    this.gen++
    if (this.gen === 0xffffffff) {
      this.stamps.fill(0)
      this.gen = 1
    }
  }

  /** Adds h; true when it was not there. Holds at most the `reset` capacity. */
  add(h: number): boolean {
    const key = h >>> 0
    let i = key & this.mask
    for (;;) {
      if (this.stamps[i] !== this.gen) {
        this.stamps[i] = this.gen
        this.keys[i] = key
        this.size++
        return true
      }
      if (this.keys[i] === key) return false
      i = (i + 1) & this.mask
    }
  }

  has(h: number): boolean {
    const key = h >>> 0
    let i = key & this.mask
    for (;;) {
      if (this.stamps[i] !== this.gen) return false
      if (this.keys[i] === key) return true
      i = (i + 1) & this.mask
    }
  }
}
