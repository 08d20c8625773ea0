import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from './safetensors.ts'
import type { ParamSet } from './tensor.ts'

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`../../test/fixtures/safetensors/${name}`, import.meta.url)))
const expected = JSON.parse(
  readFileSync(new URL('../../test/fixtures/safetensors/expected.json', import.meta.url), 'utf8'),
)

const params: ParamSet = {
  'linear.weight': { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 1e-30, 0, -0]) },
  'linear.bias': { shape: [2], data: Float32Array.from([0.1, 3.4e38]) },
}

test('round trip: tensors, shapes, metadata and bit patterns survive; header is 8-byte aligned', () => {
  const bytes = encodeSafetensors(params, { note: 'hi', solver: 'eigen' })
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true))
  assert.equal(n % 8, 0)
  assert.equal(bytes[8 + n - 1] === 0x20 || bytes[8 + n - 1] === 0x7d, true, 'header ends in } or space padding')
  const back = decodeSafetensors(bytes)
  assert.deepEqual(back.metadata, { note: 'hi', solver: 'eigen' })
  assert.deepEqual(Object.keys(back.tensors), ['linear.bias', 'linear.weight'])
  for (const [name, t] of Object.entries(params)) {
    assert.deepEqual(back.tensors[name].shape, t.shape)
    assert.deepEqual(new Uint32Array(back.tensors[name].data.buffer), new Uint32Array(t.data.slice().buffer))
  }
  assert.deepEqual(encodeSafetensors(back.tensors, back.metadata), bytes, 're-encoding gives identical bytes')
})

test('reads a file laid out by the Python reference format, and writes the same bytes', () => {
  const bytes = fixture('f32.safetensors')
  const { tensors, metadata } = decodeSafetensors(bytes)
  assert.deepEqual(metadata, expected.f32.metadata)
  for (const name of ['linear.weight', 'linear.bias']) {
    assert.deepEqual(tensors[name].shape, expected.f32[name].shape)
    assert.deepEqual(Array.from(tensors[name].data), expected.f32[name].data)
  }
  assert.deepEqual(encodeSafetensors(tensors, metadata), bytes)
})

test('F16, F64 tensors (any order in the file) are converted to float32', () => {
  const { tensors } = decodeSafetensors(fixture('mixed.safetensors'))
  for (const [name, want] of Object.entries(expected.mixed) as [string, { shape: number[]; data: number[] }][]) {
    assert.deepEqual(tensors[name].shape, want.shape)
    assert.deepEqual(Array.from(tensors[name].data), want.data, name)
  }
})

test('empty tensor set and zero-size tensors round trip', () => {
  assert.deepEqual(decodeSafetensors(encodeSafetensors({})).tensors, {})
  const z = decodeSafetensors(encodeSafetensors({ e: { shape: [0, 4], data: new Float32Array(0) } }))
  assert.deepEqual(z.tensors.e.shape, [0, 4])
})

test('truncated and corrupt files are rejected with a clear error naming the file', () => {
  const good = encodeSafetensors(params)
  const n = Number(new DataView(good.buffer).getBigUint64(0, true))
  const cases: [Uint8Array, RegExp][] = [
    [good.subarray(0, 5), /only 5 bytes/],
    [good.subarray(0, 40), /header length \d+ is larger/],
    [good.subarray(0, good.length - 4), /cover 32 data bytes but the file holds 28/],
    [Uint8Array.from([...good, 0, 0, 0, 0]), /cover 32 data bytes but the file holds 36/],
  ]
  const badJson = good.slice()
  badJson[8] = 0x5b // '[' instead of '{'
  cases.push([badJson, /not valid JSON|not a JSON object/])
  const text = (obj: unknown) => {
    const h = new TextEncoder().encode(JSON.stringify(obj))
    const b = new Uint8Array(8 + h.length + 8)
    new DataView(b.buffer).setBigUint64(0, BigInt(h.length), true)
    b.set(h, 8)
    return b
  }
  cases.push([
    text({ a: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }),
    /dtype I64; supported: F32, F64, F16, BF16/,
  ])
  cases.push([
    text({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }),
    /spans 8 bytes but F32 shape \[3\] needs 12/,
  ])
  cases.push([
    text({
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
    }),
    /starts at byte 0, expected 8/,
  ])
  cases.push([text({ a: { dtype: 'F32', shape: [2] } }), /needs dtype, shape and data_offsets/])
  for (const [bytes, re] of cases) {
    assert.throws(
      () => decodeSafetensors(bytes, 'm/head.safetensors'),
      (e: unknown) => e instanceof SafetensorsError && /^m\/head\.safetensors: /.test(e.message) && re.test(e.message),
      String(re),
    )
  }
  assert.ok(n > 0)
})

test('writer rejects a shape that does not match the data', () => {
  assert.throws(
    () => encodeSafetensors({ w: { shape: [2, 2], data: new Float32Array(3) } }),
    /3 values but shape \[2,2\] needs 4/,
  )
})
