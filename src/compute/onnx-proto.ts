/**
 * A minimal ONNX protobuf writer: just enough of ModelProto to build small compute graphs
 * (MatMul, Gemm, a training step) for onnxruntime at run time, with no protobuf dependency.
 *
 * @example
 *   const bytes = encodeModel({ nodes: [node('MatMul', ['a', 'b'], ['c'])],
 *     inputs: [tensorInfo('a', DType.float, ['m', 'k']), tensorInfo('b', DType.float, ['k', 'n'])],
 *     outputs: [tensorInfo('c', DType.float, ['m', 'n'])] })
 */

/** ONNX TensorProto.DataType values. */
export const DType = { float: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, double: 11 } as const
export type DTypeCode = (typeof DType)[keyof typeof DType]

export type AttrValue = number | number[] | string | { int: number } | { ints: number[] } | GraphSpec
export interface NodeSpec {
  op: string
  inputs: string[]
  outputs: string[]
  attrs?: Record<string, AttrValue>
}
export interface ValueInfo {
  name: string
  dtype: DTypeCode
  /** Each dim is a fixed size or a symbolic name. */
  shape: (number | string)[]
}
export interface Initializer {
  name: string
  dtype: DTypeCode
  dims: number[]
  data: Float32Array | Float64Array | Int32Array | BigInt64Array | Int8Array | Uint8Array
}
export interface GraphSpec {
  name?: string
  nodes: NodeSpec[]
  inputs: ValueInfo[]
  outputs: ValueInfo[]
  initializers?: Initializer[]
}

export const node = (op: string, inputs: string[], outputs: string[], attrs?: Record<string, AttrValue>): NodeSpec => ({
  op,
  inputs,
  outputs,
  attrs,
})
export const tensorInfo = (name: string, dtype: DTypeCode, shape: (number | string)[]): ValueInfo => ({
  name,
  dtype,
  shape,
})

class Writer {
  private chunks: Uint8Array[] = []
  private len = 0
  private push(b: Uint8Array): void {
    this.chunks.push(b)
    this.len += b.length
  }
  varint(v: number | bigint): void {
    let x = BigInt.asUintN(64, BigInt(v))
    const out: number[] = []
    do {
      let byte = Number(x & 0x7fn)
      x >>= 7n
      if (x !== 0n) byte |= 0x80
      out.push(byte)
    } while (x !== 0n)
    this.push(Uint8Array.from(out))
  }
  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire)
  }
  int(field: number, v: number): void {
    this.tag(field, 0)
    this.varint(v)
  }
  float(field: number, v: number): void {
    this.tag(field, 5)
    const b = new Uint8Array(4)
    new DataView(b.buffer).setFloat32(0, v, true)
    this.push(b)
  }
  bytes(field: number, b: Uint8Array): void {
    this.tag(field, 2)
    this.varint(b.length)
    this.push(b)
  }
  string(field: number, s: string): void {
    this.bytes(field, new TextEncoder().encode(s))
  }
  message(field: number, fill: (w: Writer) => void): void {
    const w = new Writer()
    fill(w)
    this.bytes(field, w.finish())
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.len)
    let o = 0
    for (const c of this.chunks) {
      out.set(c, o)
      o += c.length
    }
    return out
  }
}

// Field numbers below are those of onnx.proto (IR version 8).
function writeValueInfo(w: Writer, v: ValueInfo): void {
  w.string(1, v.name)
  w.message(2, (t) =>
    t.message(1, (tt) => {
      tt.int(1, v.dtype)
      tt.message(2, (s) => {
        for (const d of v.shape) s.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)))
      })
    }),
  )
}

function writeTensor(w: Writer, t: Initializer): void {
  for (const d of t.dims) w.int(1, d)
  w.int(2, t.dtype)
  w.string(8, t.name)
  // raw_data is little-endian, as is every platform onnxruntime-node ships for.
  w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength))
}

function writeAttr(w: Writer, name: string, v: AttrValue): void {
  w.string(1, name)
  if (typeof v === 'number') {
    w.float(2, v)
    w.int(20, 1)
  } else if (typeof v === 'string') {
    w.string(4, v)
    w.int(20, 3)
  } else if (Array.isArray(v)) {
    for (const f of v) w.float(7, f)
    w.int(20, 6)
  } else if ('int' in v) {
    w.int(3, v.int)
    w.int(20, 2)
  } else if ('ints' in v) {
    for (const i of v.ints) w.int(8, i)
    w.int(20, 7)
  } else {
    w.message(6, (g) => writeGraph(g, v))
    w.int(20, 5)
  }
}

function writeNode(nw: Writer, n: NodeSpec): void {
  for (const i of n.inputs) nw.string(1, i)
  for (const o of n.outputs) nw.string(2, o)
  nw.string(4, n.op)
  for (const [k, v] of Object.entries(n.attrs ?? {})) nw.message(5, (aw) => writeAttr(aw, k, v))
}

function writeGraph(w: Writer, g: GraphSpec): void {
  for (const n of g.nodes) w.message(1, (nw) => writeNode(nw, n))
  w.string(2, g.name ?? 'g')
  for (const t of g.initializers ?? []) w.message(5, (tw) => writeTensor(tw, t))
  for (const i of g.inputs) w.message(11, (vw) => writeValueInfo(vw, i))
  for (const o of g.outputs) w.message(12, (vw) => writeValueInfo(vw, o))
}

/** Serializes a graph as an ONNX model (IR 8, default opset 17). */
export function encodeModel(g: GraphSpec, opset = 17): Uint8Array {
  const w = new Writer()
  w.int(1, 8)
  w.string(2, 'rewardfit')
  w.message(7, (gw) => writeGraph(gw, g))
  w.message(8, (o) => {
    o.string(1, '')
    o.int(2, opset)
  })
  return w.finish()
}

/** One NodeProto's bytes (the payload of GraphProto field 1), for graph rewrites (onnx-quantize.ts). */
export function encodeNode(n: NodeSpec): Uint8Array {
  const w = new Writer()
  writeNode(w, n)
  return w.finish()
}

/** One TensorProto's bytes (the payload of GraphProto field 5). */
export function encodeTensor(t: Initializer): Uint8Array {
  const w = new Writer()
  writeTensor(w, t)
  return w.finish()
}
