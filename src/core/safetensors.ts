/**
 * The safetensors format (Hugging Face), strict reader and writer for a model's head.safetensors:
 *
 *     [u64 little-endian N][N bytes JSON header, space-padded to a multiple of 8][raw LE tensor bytes]
 *     header = {"__metadata__"?: {string: string}, name: {"dtype", "shape", "data_offsets": [begin, end]}}
 *
 * As the reference writer: tensors sorted by name, packed without gaps, compact JSON with
 * "__metadata__" first. The reader checks what the reference checks (offsets cover the data exactly,
 * no overlap, sizes match shapes) and converts F64/F16/BF16 to float32. No Node imports, so the
 * browser can use it too.
 *
 * @example
 *   const bytes = encodeSafetensors({ 'linear.bias': { shape: [2], data: Float32Array.of(1, 2) } }, { a: 'b' })
 *   decodeSafetensors(bytes)   // { tensors: { 'linear.bias': { shape: [2], data: [1, 2] } }, metadata: { a: 'b' } }
 */

import { RewardfitError } from '../errors.ts'
import type { ParamSet } from './tensor.ts'

/** A malformed safetensors file; `source` names it. */
export class SafetensorsError extends RewardfitError {
  override name = 'SafetensorsError'
  constructor(
    readonly source: string,
    why: string,
  ) {
    super(`${source}: ${why}; the file is truncated or is not a safetensors file (re-save or re-copy the model)`)
  }
}

export interface SafetensorsContent {
  tensors: ParamSet
  metadata: Record<string, string>
}

/** The reference reader refuses headers above 100 MB. */
const MAX_HEADER = 100_000_000
const WIDTH: Record<string, number> = { F32: 4, F64: 8, F16: 2, BF16: 2 }

export function encodeSafetensors(tensors: ParamSet, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {}
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new TypeError(`safetensors metadata "${k}" must be a string, got ${typeof v}`)
    }
    header.__metadata__ = metadata
  }
  const names = Object.keys(tensors).sort()
  let offset = 0
  for (const name of names) {
    const t = tensors[name]
    if (name === '__metadata__') throw new TypeError('"__metadata__" is reserved and cannot name a tensor')
    if (!(t.data instanceof Float32Array)) throw new TypeError(`tensor "${name}" must be a Float32Array`)
    const count = t.shape.reduce((a, b) => a * b, 1)
    if (count !== t.data.length) {
      throw new RangeError(`tensor "${name}" has ${t.data.length} values but shape [${t.shape}] needs ${count}`)
    }
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] }
    offset += t.data.byteLength
  }
  const json = new TextEncoder().encode(JSON.stringify(header))
  const padded = json.length + ((8 - (json.length % 8)) % 8)
  const out = new Uint8Array(8 + padded + offset)
  const view = new DataView(out.buffer)
  view.setBigUint64(0, BigInt(padded), true)
  out.set(json, 8)
  out.fill(0x20, 8 + json.length, 8 + padded)
  let at = 8 + padded
  for (const name of names) {
    const d = tensors[name].data
    if (LITTLE_ENDIAN) out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at)
    else for (let i = 0; i < d.length; i++) view.setFloat32(at + 4 * i, d[i], true)
    at += d.byteLength
  }
  return out
}

/** Parses and validates; every tensor comes back as float32. `source` names the file in errors. */
export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors data'): SafetensorsContent {
  const fail = (why: string): never => {
    throw new SafetensorsError(source, why)
  }
  if (bytes.length < 8) fail(`only ${bytes.length} bytes, less than the 8-byte header length`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const n64 = view.getBigUint64(0, true)
  if (n64 > BigInt(Math.min(MAX_HEADER, bytes.length - 8))) {
    fail(`header length ${n64} is larger than the ${bytes.length - 8} bytes after it`)
  }
  const n = Number(n64)
  let header: unknown
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)))
  } catch (err) {
    return fail(`the ${n}-byte header is not valid JSON (${(err as Error).message})`)
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('the header is not a JSON object')
  const base = 8 + n
  const dataLength = bytes.length - base
  const metadata: Record<string, string> = {}
  const entries: { name: string; dtype: string; shape: number[]; begin: number; end: number }[] = []
  for (const [name, e] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof e !== 'object' || e === null) fail('"__metadata__" is not an object of strings')
      for (const [k, v] of Object.entries(e as object)) {
        if (typeof v !== 'string') fail(`metadata "${k}" is not a string`)
        metadata[k] = v
      }
      continue
    }
    const { dtype, shape, data_offsets: off } = (e ?? {}) as Record<string, unknown>
    if (typeof dtype !== 'string' || !Array.isArray(shape) || !Array.isArray(off) || off.length !== 2) {
      fail(`tensor "${name}" needs dtype, shape and data_offsets [begin, end]`)
    }
    const sh = shape as unknown[]
    const [begin, end] = off as unknown[]
    if (!sh.every((s) => Number.isInteger(s) && (s as number) >= 0))
      fail(`tensor "${name}" has shape ${JSON.stringify(shape)}`)
    if (
      !Number.isInteger(begin) ||
      !Number.isInteger(end) ||
      (begin as number) < 0 ||
      (end as number) < (begin as number)
    ) {
      fail(`tensor "${name}" has data_offsets ${JSON.stringify(off)}`)
    }
    const width = WIDTH[dtype as string]
    if (!width) fail(`tensor "${name}" has dtype ${dtype}; supported: ${Object.keys(WIDTH).join(', ')}`)
    const count = (sh as number[]).reduce((a, b) => a * b, 1)
    if ((end as number) - (begin as number) !== count * width) {
      fail(
        `tensor "${name}" spans ${(end as number) - (begin as number)} bytes but ${dtype} shape [${shape}] needs ${count * width}`,
      )
    }
    entries.push({ name, dtype: dtype as string, shape: sh as number[], begin: begin as number, end: end as number })
  }
  // The offsets must tile the data exactly: no gap, no overlap, nothing past the end, nothing after.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end)
  let expected = 0
  for (const e of entries) {
    if (e.begin !== expected)
      fail(`tensor "${e.name}" starts at byte ${e.begin}, expected ${expected} (gap or overlap)`)
    expected = e.end
  }
  if (expected !== dataLength) fail(`tensors cover ${expected} data bytes but the file holds ${dataLength}`)

  const tensors: ParamSet = {}
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    tensors[e.name] = { shape: [...e.shape], data: toFloat32(view, base + e.begin, e.end - e.begin, e.dtype) }
  }
  return { tensors, metadata }
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1

function toFloat32(view: DataView, at: number, bytes: number, dtype: string): Float32Array {
  const width = WIDTH[dtype]
  if (dtype === 'F32' && LITTLE_ENDIAN) {
    // Copy first: the data need not be 4-byte aligned for a typed-array view.
    return new Float32Array(new Uint8Array(view.buffer, view.byteOffset + at, bytes).slice().buffer)
  }
  const out = new Float32Array(bytes / width)
  for (let i = 0; i < out.length; i++) {
    const p = at + i * width
    if (dtype === 'F32') out[i] = view.getFloat32(p, true)
    else if (dtype === 'F64') out[i] = view.getFloat64(p, true)
    else if (dtype === 'BF16') out[i] = bf16ToNumber(view.getUint16(p, true))
    else out[i] = f16ToNumber(view.getUint16(p, true))
  }
  return out
}

const scratch = new DataView(new ArrayBuffer(4))
function bf16ToNumber(h: number): number {
  scratch.setUint32(0, h << 16)
  return scratch.getFloat32(0)
}

function f16ToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1
  const exp = (h >> 10) & 0x1f
  const frac = h & 0x3ff
  if (exp === 0) return sign * frac * 2 ** -24
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY
  return sign * (1 + frac / 1024) * 2 ** (exp - 15)
}
