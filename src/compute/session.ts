/**
 * onnxruntime-node sessions for graphs built at run time, created once per key and reused:
 * creating a session costs milliseconds, running a cached one costs ~20-40 µs.
 */
import { availableParallelism } from 'node:os'
import * as ort from 'onnxruntime-node'
import { encodeModel, type GraphSpec } from './onnx-proto.ts'

const sessions = new Map<string, Promise<ort.InferenceSession>>()

/** Threads for compute graphs: every core, as the brief's matmul figures were measured. */
export const computeThreads = (): number => availableParallelism()

export interface SessionOptions {
  /**
   * Let idle worker threads spin for more work (onnxruntime's default). Good for a graph of many
   * small ops run back to back; bad for sessions that alternate (two GEMV sessions in turn ran
   * 2.2× slower each: one session's spinning threads took the cores the other needed).
   */
  spin?: boolean
}

export function cachedSession(
  key: string,
  build: () => GraphSpec,
  options: SessionOptions = {},
): Promise<ort.InferenceSession> {
  let s = sessions.get(key)
  if (!s) {
    s = ort.InferenceSession.create(encodeModel(build()), {
      intraOpNumThreads: computeThreads(),
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      extra: { session: { intra_op: { allow_spinning: options.spin === false ? '0' : '1' } } },
    })
    sessions.set(key, s)
  }
  return s
}

export { ort }
