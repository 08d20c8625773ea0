/**
 * Pooling: one vector per row from a transformer's hidden states, reading the attention mask so that
 * pads never count, whichever side they are on.
 *
 * @example
 *   // hidden: [2, 3, 2], mask: [2, 3] (row 1 is left-padded)
 *   poolHidden(new Float32Array([1, 1, 3, 3, 0, 0,  9, 9, 2, 2, 4, 4]), new Uint8Array([1, 1, 0, 0, 1, 1]),
 *     { batch: 2, seq: 3, hidden: 2 }, 'mean')   // Float32Array [2, 2, 3, 3]
 */

/**
 * mean: average of the real tokens (attention-mask weighted), the sentence-transformers default.
 * cls: the first real token (BERT's [CLS]). last: the last real token, what a decoder's reward head reads.
 */
export type Pooling = 'mean' | 'cls' | 'last'
export const POOLINGS = ['mean', 'cls', 'last'] as const satisfies readonly Pooling[]

export interface HiddenShape {
  batch: number
  seq: number
  hidden: number
}

/** First and last real (mask = 1) positions of row b; [-1, -1] for an all-pad row. */
export function realSpan(mask: ArrayLike<number>, b: number, seq: number): [number, number] {
  let first = -1
  let last = -1
  for (let t = 0; t < seq; t++) {
    if (mask[b * seq + t]) {
      if (first < 0) first = t
      last = t
    }
  }
  return [first, last]
}

/** hidden: [batch, seq, hidden] row-major, mask: [batch, seq] of 0/1 -> [batch, hidden]. */
export function poolHidden(
  hidden: Float32Array,
  mask: ArrayLike<number>,
  shape: HiddenShape,
  pooling: Pooling,
): Float32Array {
  const { batch, seq, hidden: h } = shape
  if (hidden.length !== batch * seq * h) {
    throw new RangeError(`hidden states have ${hidden.length} values, expected ${batch}x${seq}x${h}`)
  }
  const out = new Float32Array(batch * h)
  for (let b = 0; b < batch; b++) {
    const [first, last] = realSpan(mask, b, seq)
    if (first < 0) throw new RangeError(`row ${b} has no real token (attention mask all 0)`)
    const dst = out.subarray(b * h, (b + 1) * h)
    if (pooling === 'mean') {
      // Accumulate in float64: a 4k-token mean in float32 would drift by ~1e-4.
      const acc = new Float64Array(h)
      let n = 0
      for (let t = first; t <= last; t++) {
        if (!mask[b * seq + t]) continue
        const off = (b * seq + t) * h
        for (let j = 0; j < h; j++) acc[j] += hidden[off + j]
        n++
      }
      for (let j = 0; j < h; j++) dst[j] = acc[j] / n
    } else {
      const t = pooling === 'cls' ? first : last
      dst.set(hidden.subarray((b * seq + t) * h, (b * seq + t + 1) * h))
    }
  }
  return out
}
