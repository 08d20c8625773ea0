import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decodeSafetensors, encodeSafetensors } from './tensor-file.ts'

test('safetensors round trip: shapes, values, metadata; data 8-byte aligned', () => {
  const t = {
    'b.bias': { shape: [3], data: Float32Array.from([1, -2, 3.5]) },
    'a.weight': { shape: [2, 2], data: Float32Array.from([0.25, 1e-30, -7, 3e38]) },
  }
  const bytes = encodeSafetensors(t, { note: 'x' })
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true))
  assert.equal((8 + n) % 8, 0)
  const back = decodeSafetensors(bytes)
  assert.deepEqual(back.metadata, { note: 'x' })
  assert.deepEqual(back.tensors['a.weight'], t['a.weight'])
  assert.deepEqual(back.tensors['b.bias'], t['b.bias'])
})

test('truncated or malformed files are rejected with the reason', () => {
  const bytes = encodeSafetensors({ w: { shape: [4], data: new Float32Array(4) } })
  assert.throws(() => decodeSafetensors(bytes.subarray(0, 5)), /too short/)
  assert.throws(() => decodeSafetensors(bytes.subarray(0, bytes.length - 4)), /do not fit/)
  const bad = bytes.slice()
  bad[9] = 0x7b // '{' where JSON expects a key
  assert.throws(() => decodeSafetensors(bad), /not valid JSON/)
})
