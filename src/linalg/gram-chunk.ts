/**
 * One chunk's contribution to the ridge statistics, in one onnxruntime run:
 *
 *     lower triangle of (X − s)ᵀ(X − s)   float32 products over the chunk's rows, by block rows
 *     Xᵀ·R                                 float64 (R = [labels | 1]: Xᵀy and the column sums)
 *
 * Why float32 and why a shift: onnxruntime has no symmetric rank-k product, and a float64 Gram
 * costs twice dsyrk's multiply-adds at a quarter of sgemm's speed. A float32 product per chunk,
 * accumulated in float64 across chunks, is as exact as sklearn's float32 Gram over all rows (it
 * sums K = chunk rows in float32, sklearn K = n). Shifting by s (the first chunk's column means)
 * keeps the float32 products on centred magnitudes, so a feature with a large mean loses nothing
 * to cancellation when the caller centres the float64 sum.
 *
 * Why blocks: only the block rows of the lower triangle are computed, G[I, 0:end(I)] = X_Iᵀ·X_{0:end(I)},
 * about (B+1)/(2B) of the full product (B = 3 at d = 768: two thirds).
 *
 * @example
 *   const { blocks, xr } = await chunkProducts(x, shift, { data: r, cols: k + 1 })   // x: [n, d] f32, r: [n, k+1] f64
 *   addLowerBlocks(gramLow, blocks, d)                               // gramLow[i·d + j] += for j ≤ i
 */
import type { Matrix } from '../compute/matrix.ts'
import { DType, type Initializer, type NodeSpec, node, tensorInfo, type ValueInfo } from '../compute/onnx-proto.ts'
import { cachedSession, ort } from '../compute/session.ts'

/** Below this many multiply-adds (n·d²) a chunk's Gram runs in float64 (exact, and cheap at that size). */
export const GRAM_F32_MIN_FLOPS = 1 << 22

/** Block rows of the lower triangle: about 256 columns each, at most 4 (more blocks copy more than they save). */
export function gramBlocks(d: number): number[] {
  const b = Math.max(1, Math.min(4, Math.round(d / 256)))
  return Array.from({ length: b + 1 }, (_, i) => Math.round((i * d) / b))
}

/** Rows [start, end) of the Gram, columns [0, end): data [(end − start), end] float32. */
export interface GramBlock {
  start: number
  end: number
  data: Float32Array
}

const i64 = (name: string, v: number): Initializer => ({
  name,
  dtype: DType.int64,
  dims: [1],
  data: BigInt64Array.of(BigInt(v)),
})

function graph(
  d: number,
  withXr: boolean,
): {
  nodes: NodeSpec[]
  inputs: ValueInfo[]
  outputs: ValueInfo[]
  initializers: Initializer[]
} {
  const bounds = gramBlocks(d)
  const B = bounds.length - 1
  const F = DType.float
  const D = DType.double
  const nodes: NodeSpec[] = [node('Sub', ['x', 's'], ['xs'])]
  const outputs: ValueInfo[] = []
  if (withXr) {
    nodes.push(
      node('Cast', ['x'], ['x64'], { to: { int: D } }),
      node('Gemm', ['x64', 'r'], ['xr'], { transA: { int: 1 } }),
    )
    outputs.push(tensorInfo('xr', D, [d, 'c']))
  }
  const initializers = [i64('axis1', 1), ...bounds.map((b, i) => i64(`b${i}`, b))]
  for (let I = 0; I < B; I++) {
    // Block I's columns, and the prefix they multiply: the block itself for I = 0, all of xs for the last.
    const cols = B === 1 ? 'xs' : `c${I}`
    if (B > 1) nodes.push(node('Slice', ['xs', `b${I}`, `b${I + 1}`, 'axis1'], [cols]))
    let prefix = 'xs'
    if (I === 0) prefix = cols
    else if (I < B - 1) {
      prefix = `p${I}`
      nodes.push(node('Slice', ['xs', 'b0', `b${I + 1}`, 'axis1'], [prefix]))
    }
    nodes.push(node('Gemm', [cols, prefix], [`g${I}`], { transA: { int: 1 } }))
    outputs.push(tensorInfo(`g${I}`, F, [bounds[I + 1] - bounds[I], bounds[I + 1]]))
  }
  const used = new Set(nodes.flatMap((n) => n.inputs))
  return {
    nodes,
    inputs: [
      tensorInfo('x', F, ['n', d]),
      tensorInfo('s', F, [d]),
      ...(withXr ? [tensorInfo('r', D, ['n', 'c'])] : []),
    ],
    outputs,
    initializers: initializers.filter((t) => used.has(t.name)),
  }
}

/**
 * The chunk's lower-triangle Gram blocks of X − s (float32) and, given R [n, cols], Xᵀ·R [d, cols]
 * (float64; null without R).
 */
export async function chunkProducts(
  x: Matrix,
  shift: Float32Array,
  r?: { data: Float64Array; cols: number },
): Promise<{ blocks: GramBlock[]; xr: Float64Array | null }> {
  const { rows: n, cols: d } = x
  const session = await cachedSession(`gram-chunk:${d}:${r ? 'xr' : 'g'}`, () => graph(d, r !== undefined))
  const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {
    x: new ort.Tensor('float32', x.data.subarray(0, n * d), [n, d]),
    s: new ort.Tensor('float32', shift, [d]),
  }
  if (r) feeds.r = new ort.Tensor('float64', r.data, [n, r.cols])
  const out = await session.run(feeds)
  const bounds = gramBlocks(d)
  const blocks = bounds.slice(1).map((end, I) => ({ start: bounds[I], end, data: out[`g${I}`].data as Float32Array }))
  return { blocks, xr: r ? (out.xr.data as Float64Array) : null }
}

/**
 * gramLow[i·d + j] += G[i, j] for j ≤ i, from the blocks. Returns false (and adds nothing) when a
 * block holds a non-finite value: float32 overflowed (|x| beyond ~1e19), and the caller must redo
 * the chunk in float64.
 */
export function addLowerBlocks(gramLow: Float64Array, blocks: GramBlock[], d: number): boolean {
  for (const { data } of blocks) {
    let bad = 0
    for (let i = 0; i < data.length; i++) bad += data[i] - data[i]
    if (bad !== 0) return false
  }
  for (const { start, end, data } of blocks) {
    for (let i = start; i < end; i++) {
      const src = (i - start) * end
      const dst = i * d
      for (let j = 0; j <= i; j++) gramLow[dst + j] += data[src + j]
    }
  }
  return true
}
