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

export function cachedSession(key: string, build: () => GraphSpec): Promise<ort.InferenceSession> {
  let s = sessions.get(key)
  if (!s) {
    s = ort.InferenceSession.create(encodeModel(build()), {
      intraOpNumThreads: computeThreads(),
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    })
    sessions.set(key, s)
  }
  return s
}

export { ort }
