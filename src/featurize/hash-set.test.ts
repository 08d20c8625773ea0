import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Rng } from '../compute/rng.ts'
import { HashSet32 } from './hash-set.ts'

test('HashSet32 matches a Set over resets, growth and colliding slots', () => {
  const rng = new Rng(4)
  const s = new HashSet32()
  for (const n of [0, 5, 40, 1000, 3, 200]) {
    s.reset(n)
    const ref = new Set<number>()
    // Keys that share low bits collide in the table; some repeat.
    for (let i = 0; i < n; i++) {
      const h = rng.float() < 0.3 ? (i % 7) * 1024 : Math.floor(rng.float() * 2 ** 32)
      assert.equal(s.add(h), !ref.has(h))
      ref.add(h)
    }
    assert.equal(s.size, ref.size)
    for (const h of ref) assert.ok(s.has(h))
    assert.ok(!s.has(123456789) || ref.has(123456789))
  }
})
