/**
 * Stands in for src/compute/session.ts in the browser bundle (the esbuild plugin in serve/page-bundle.ts
 * maps that module here), so code that calls gemm() runs without onnxruntime-node. A "session" for a
 * one-node Gemm graph runs the plain TypeScript gemmRef; any other graph is refused with a clear error.
 *
 * @example
 *   // in the bundle: await gemm(a, b, { transB: true }) → gemmRef(a, b, { transB: true }), at any size
 */
import { gemmRef } from '../compute/matmul.ts'
import type { FloatArray } from '../compute/matrix.ts'
import type { GraphSpec } from '../compute/onnx-proto.ts'

class Tensor {
  constructor(
    readonly type: string,
    readonly data: FloatArray,
    readonly dims: readonly number[],
  ) {}
}

interface StubSession {
  run(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>>
}

export const ort = { Tensor }

export const computeThreads = (): number => 1

export function cachedSession(key: string, build: () => GraphSpec): Promise<StubSession> {
  const graph = build()
  const only = graph.nodes.length === 1 ? graph.nodes[0] : null
  if (only?.op !== 'Gemm') {
    return Promise.reject(
      new Error(`graph "${key}" needs onnxruntime, which the browser bundle does not include; only Gemm runs here`),
    )
  }
  const flag = (name: string): boolean => {
    const v = only.attrs?.[name]
    return v === 1 || (typeof v === 'object' && v !== null && 'int' in v && v.int === 1)
  }
  const transA = flag('transA')
  const transB = flag('transB')
  const [inA, inB] = only.inputs
  const [outC] = only.outputs
  return Promise.resolve({
    async run(feeds) {
      const a = feeds[inA]
      const b = feeds[inB]
      const c = gemmRef(
        { rows: a.dims[0], cols: a.dims[1], data: a.data },
        { rows: b.dims[0], cols: b.dims[1], data: b.data },
        { transA, transB },
      )
      return { [outC]: new Tensor(a.type, c.data, [c.rows, c.cols]) }
    },
  })
}
