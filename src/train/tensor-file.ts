/**
 * A small safetensors codec (float32 tensors + string metadata) for training checkpoints. The
 * format is the Hugging Face one, so `safetensors.torch.load_file` reads a checkpoint as it is:
 *
 *     [u64 LE header length N][N bytes JSON header][raw little-endian tensor bytes]
 *
 * @example
 *   const bytes = encodeSafetensors({ w: { shape: [2], data: new Float32Array([1, 2]) } }, { note: 'hi' })
 *   decodeSafetensors(bytes).tensors.w.data   // Float32Array [1, 2]
 */
import type { ParamSet } from '../heads/head.ts'

export function encodeSafetensors(tensors: ParamSet, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata }
  let offset = 0
  const names = Object.keys(tensors).sort()
  for (const name of names) {
    const t = tensors[name]
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] }
    offset += t.data.byteLength
  }
  let json = JSON.stringify(header)
  // Pad the header with spaces so tensor data starts 8-byte aligned, as the reference writer does.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8)
  const head = new TextEncoder().encode(json)
  const out = new Uint8Array(8 + head.length + offset)
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true)
  out.set(head, 8)
  let at = 8 + head.length
  for (const name of names) {
    const d = tensors[name].data
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at)
    at += d.byteLength
  }
  return out
}

/** Throws Error with the reason when the bytes are not a well-formed float32 safetensors file. */
export function decodeSafetensors(bytes: Uint8Array): { tensors: ParamSet; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new Error(`file is ${bytes.length} bytes, too short for a safetensors header`)
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true))
  if (n > bytes.length - 8) throw new Error(`header length ${n} runs past the end of the ${bytes.length}-byte file`)
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)))
  } catch (e) {
    throw new Error('the header is not valid JSON', { cause: e })
  }
  const base = 8 + n
  const tensors: ParamSet = {}
  let metadata: Record<string, string> = {}
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = info as unknown as Record<string, string>
      continue
    }
    if (info.dtype !== 'F32') throw new Error(`tensor "${name}" has dtype ${info.dtype}; only F32 is supported`)
    const [start, end] = info.data_offsets
    const count = info.shape.reduce((a, b) => a * b, 1)
    if (end - start !== count * 4 || base + end > bytes.length) {
      throw new Error(`tensor "${name}" offsets [${start}, ${end}] do not fit shape [${info.shape}] or the file size`)
    }
    // Copy: the file buffer may be unaligned for a Float32Array view.
    const data = new Float32Array(count)
    new Uint8Array(data.buffer).set(bytes.subarray(base + start, base + end))
    tensors[name] = { shape: info.shape, data }
  }
  return { tensors, metadata }
}
