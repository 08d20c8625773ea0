/**
 * A minimal protobuf reader for ONNX files: splits a message into its fields and keeps each field's
 * original bytes, so a graph rewrite (onnx-quantize.ts) can change a few fields and copy every other
 * one verbatim, including the ones this reader does not understand. No protobuf dependency.
 *
 * @example
 *   const model = readFields(bytes)                       // ModelProto
 *   const graph = readFields(model.find((f) => f.field === 7)!.bytes!)
 *   graph.filter((f) => f.field === 1).map((f) => readNode(f.bytes!).op)   // ['Gather', 'Add', …]
 */

export interface Field {
  field: number
  /** Protobuf wire type: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. */
  wire: number
  /** The value of a varint field (int64 values beyond 2^53 lose precision; ONNX dims never get there). */
  int?: number
  /** The payload of a length-delimited field (a view into the input, not a copy). */
  bytes?: Uint8Array
  /** The whole field, tag included: what a rewrite copies when it keeps the field. */
  raw: Uint8Array
}

function varint(buf: Uint8Array, pos: number): [number, number] {
  let value = 0
  let scale = 1
  for (let i = 0; i < 10; i++) {
    const b = buf[pos++]
    if (b === undefined) throw new RangeError('truncated protobuf varint')
    value += (b & 0x7f) * scale
    if (b < 0x80) {
      // Negative int64 values are 10-byte two's complement varints.
      return [i === 9 ? value - 2 ** 64 : value, pos]
    }
    scale *= 128
  }
  throw new RangeError('protobuf varint longer than 10 bytes')
}

/** The fields of one protobuf message, in file order. Throws RangeError on malformed bytes. */
export function readFields(buf: Uint8Array): Field[] {
  const out: Field[] = []
  let pos = 0
  while (pos < buf.length) {
    const start = pos
    const [key, p] = varint(buf, pos)
    pos = p
    const field = Math.floor(key / 8)
    const wire = key % 8
    const f: Field = { field, wire, raw: buf }
    if (wire === 0) {
      ;[f.int, pos] = varint(buf, pos)
    } else if (wire === 2) {
      const [len, q] = varint(buf, pos)
      if (q + len > buf.length) throw new RangeError(`protobuf field ${field} runs past the end of its message`)
      f.bytes = buf.subarray(q, q + len)
      pos = q + len
    } else if (wire === 1) {
      pos += 8
    } else if (wire === 5) {
      pos += 4
    } else {
      throw new RangeError(`unsupported protobuf wire type ${wire} (field ${field})`)
    }
    if (pos > buf.length) throw new RangeError('truncated protobuf message')
    f.raw = buf.subarray(start, pos)
    out.push(f)
  }
  return out
}

const utf8 = new TextDecoder()
export const fieldString = (f: Field): string => utf8.decode(f.bytes)

/** Repeated integers, packed (one length-delimited field) or not (one varint field each). */
export function readInts(fields: Field[], field: number): number[] {
  const out: number[] = []
  for (const f of fields) {
    if (f.field !== field) continue
    if (f.wire === 0) out.push(f.int!)
    else if (f.wire === 2) {
      for (let pos = 0; pos < f.bytes!.length; ) {
        const [v, p] = varint(f.bytes!, pos)
        out.push(v)
        pos = p
      }
    }
  }
  return out
}

function encodeVarint(v: number): number[] {
  const out: number[] = []
  let x = v
  while (x >= 0x80) {
    out.push((x % 128) | 0x80)
    x = Math.floor(x / 128)
  }
  out.push(x)
  return out
}

/** The tag and length of a length-delimited field whose payload follows separately. */
export function lengthHeader(field: number, payloadLength: number): Uint8Array {
  return Uint8Array.from([...encodeVarint(field * 8 + 2), ...encodeVarint(payloadLength)])
}

/** A length-delimited field (tag, length, payload): how a rewritten sub-message is put back. */
export function lengthField(field: number, payload: Uint8Array): Uint8Array {
  return concatBytes([lengthHeader(field, payload.length), payload])
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

export interface NodeInfo {
  op: string
  domain: string
  inputs: string[]
  outputs: string[]
  /** The node holds a subgraph (If, Loop, Scan), which may read outer names. */
  hasSubgraph: boolean
}

// Field numbers are those of onnx.proto: NodeProto input 1, output 2, op_type 4, attribute 5, domain 7;
// AttributeProto g 6, graphs 11.
export function readNode(bytes: Uint8Array): NodeInfo {
  const fields = readFields(bytes)
  const strings = (n: number) => fields.filter((f) => f.field === n).map(fieldString)
  return {
    op: strings(4)[0] ?? '',
    domain: strings(7)[0] ?? '',
    inputs: strings(1),
    outputs: strings(2),
    hasSubgraph: fields.some((f) => f.field === 5 && readFields(f.bytes!).some((a) => a.field === 6 || a.field === 11)),
  }
}

export interface TensorInfo {
  name: string
  /** TensorProto.DataType (1 = float). */
  dtype: number
  dims: number[]
  /** Stored outside the file (data_location EXTERNAL): its values are not in these bytes. */
  external: boolean
  /** The values as float32, for float tensors held in raw_data or float_data; else undefined. */
  floats(): Float32Array | undefined
}

// TensorProto: dims 1, data_type 2, float_data 4, name 8, raw_data 9, data_location 14.
export function readTensor(bytes: Uint8Array): TensorInfo {
  const fields = readFields(bytes)
  const one = (n: number) => fields.find((f) => f.field === n)
  const dtype = one(2)?.int ?? 0
  return {
    name: one(8) ? fieldString(one(8)!) : '',
    dtype,
    dims: readInts(fields, 1),
    external: one(14)?.int === 1,
    floats() {
      if (dtype !== 1) return undefined
      const raw = one(9)?.bytes
      if (raw) {
        // A view when raw_data happens to be 4-byte aligned, else a copy: a 2 GB graph is not copied twice.
        if (raw.byteOffset % 4 === 0) return new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4)
        return new Float32Array(new Uint8Array(raw).buffer)
      }
      const packed = fields.filter((f) => f.field === 4)
      if (packed.length === 1 && packed[0].wire === 2) return new Float32Array(new Uint8Array(packed[0].bytes!).buffer)
      if (packed.length > 0 && packed.every((f) => f.wire === 5)) {
        return Float32Array.from(packed, (f) => new DataView(f.raw.buffer, f.raw.byteOffset + 1).getFloat32(0, true))
      }
      return undefined
    },
  }
}
