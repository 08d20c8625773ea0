/**
 * Worker thread of FeaturizePool: builds the hashing featurizer from the spec it is given and
 * featurizes the chunks it is sent, returning the vectors by transfer (no copy).
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { TextPair } from '../featurize/featurizer.ts'
import { createHashingFeaturizer } from '../featurize/hashing.ts'

const featurizer = createHashingFeaturizer(workerData.spec)
const port = parentPort
if (!port) throw new Error('featurize-worker.ts must run as a worker thread')

port.on('message', (m: { id: number; pairs: TextPair[] }) => {
  try {
    const x = featurizer.featurizeSync(m.pairs)
    port.postMessage({ id: m.id, x }, [x.buffer as ArrayBuffer])
  } catch (err) {
    port.postMessage({ id: m.id, error: (err as Error)?.message ?? String(err) })
  }
})
