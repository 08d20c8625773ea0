/** Largest absolute difference relative to the largest reference magnitude: the tests' error measure. */
export function maxRelErr(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (a.length !== ref.length) throw new RangeError(`lengths differ: ${a.length} vs ${ref.length}`)
  let e = 0
  let m = 0
  for (let i = 0; i < a.length; i++) {
    e = Math.max(e, Math.abs(a[i] - ref[i]))
    m = Math.max(m, Math.abs(ref[i]))
  }
  return e / m
}
