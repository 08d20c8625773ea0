import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Rng } from './rng.ts'

test('the same seed gives the same stream, and a restored state continues it exactly', () => {
  const a = new Rng(7)
  const b = new Rng(7)
  for (let i = 0; i < 10; i++) assert.equal(a.next(), b.next())
  const saved = a.state
  const x = [a.float(), a.normal(), a.int(100)]
  const c = Rng.fromState(saved)
  assert.deepEqual([c.float(), c.normal(), c.int(100)], x)
})

test('floats are uniform in [0,1) and a permutation holds every index once', () => {
  const rng = new Rng(3)
  let sum = 0
  for (let i = 0; i < 20000; i++) {
    const f = rng.float()
    assert.ok(f >= 0 && f < 1)
    sum += f
  }
  assert.ok(Math.abs(sum / 20000 - 0.5) < 0.01)
  const p = rng.permutation(1000)
  assert.deepEqual(
    Array.from(p).sort((x, y) => x - y),
    Array.from({ length: 1000 }, (_, i) => i),
  )
})
