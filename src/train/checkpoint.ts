/**
 * Training checkpoints: everything needed to continue a run so that its final weights are
 * bit-identical to an uninterrupted one. One safetensors file (so a crash mid-write cannot leave
 * half a checkpoint: it is written to a temp file in the same folder, then renamed):
 *
 *     param/<name>   current weights          best/<name>   best-so-far weights
 *     opt/<buffer>   optimizer buffers        __metadata__.checkpoint   the JSON state below
 *
 * @example
 *   await saveCheckpoint(dir, ckpt)
 *   const again = await loadCheckpoint(dir)   // null when dir has no checkpoint
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { decodeSafetensors, encodeSafetensors } from '../core/safetensors.ts'
import type { TargetStats } from '../core/targets.ts'
import { RewardfitError } from '../errors.ts'
import type { ParamSet } from '../heads/head.ts'
import { killPoint } from '../kill-point.ts'
import type { OptimizerState } from '../optim/optimizer.ts'
import { removeStaleTemps } from '../stale-temps.ts'
import type { EpochRecord } from './options.ts'

export const CHECKPOINT_FILE = 'checkpoint.safetensors'
const FORMAT = 'rewardfit-train-checkpoint/1'

export interface Checkpoint {
  /** Options and data shape the run was started with; a resume must match them exactly. */
  signature: Record<string, unknown>
  /** Epochs completed. */
  epoch: number
  step: number
  rngState: number[]
  params: ParamSet
  optimizer: OptimizerState
  /** The best weights so far by the objective's validation value. */
  best: { params: ParamSet; epoch: number; value: number | null }
  /** Epochs since the objective's validation value last improved. */
  badEpochs: number
  /** Early stopping fired: a resume has nothing left to do. */
  stopped: boolean
  targetStats: TargetStats[]
  history: EpochRecord[]
}

const STALE_CHECKPOINT = new RegExp(`^${CHECKPOINT_FILE.replace('.', '\\.')}\\.tmp-(\\d+)$`)

export async function saveCheckpoint(dir: string, c: Checkpoint): Promise<void> {
  await mkdir(dir, { recursive: true })
  const tensors: ParamSet = {}
  for (const [k, t] of Object.entries(c.params)) tensors[`param/${k}`] = t
  for (const [k, t] of Object.entries(c.best.params)) tensors[`best/${k}`] = t
  const bufferShapes: Record<string, number[]> = {}
  for (const [k, data] of Object.entries(c.optimizer.buffers)) {
    tensors[`opt/${k}`] = { shape: [data.length], data }
    bufferShapes[k] = [data.length]
  }
  const meta = {
    format: FORMAT,
    signature: c.signature,
    epoch: c.epoch,
    step: c.step,
    rngState: c.rngState,
    optimizerStep: c.optimizer.step,
    best: { epoch: c.best.epoch, value: c.best.value },
    badEpochs: c.badEpochs,
    stopped: c.stopped,
    targetStats: c.targetStats,
    history: c.history,
  }
  const path = join(dir, CHECKPOINT_FILE)
  // Temp files of killed runs (their PID is in the name) would pile up: remove them first.
  await removeStaleTemps(dir, [STALE_CHECKPOINT])
  const tmp = `${path}.tmp-${process.pid}`
  await writeFile(tmp, encodeSafetensors(tensors, { checkpoint: JSON.stringify(meta) }))
  killPoint('checkpoint:written')
  await rename(tmp, path)
}

/** The checkpoint in `dir`, or null if there is none. Throws RewardfitError when it is unreadable. */
export async function loadCheckpoint(dir: string): Promise<Checkpoint | null> {
  const path = join(dir, CHECKPOINT_FILE)
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw e
  }
  const corrupt = (why: string, cause?: unknown) =>
    new RewardfitError(
      `checkpoint ${path} is corrupt: ${why}. Delete it (or use another checkpointDir) to start over, or train without resume`,
      { cause },
    )
  let file: ReturnType<typeof decodeSafetensors>
  let meta: Record<string, unknown> & { best: { epoch: number; value: number | null } }
  try {
    file = decodeSafetensors(bytes, path)
    meta = JSON.parse(file.metadata.checkpoint ?? 'null')
  } catch (e) {
    throw corrupt((e as Error).message, e)
  }
  if (!meta || meta.format !== FORMAT) throw corrupt(`no "${FORMAT}" metadata`)
  const params: ParamSet = {}
  const best: ParamSet = {}
  const buffers: Record<string, Float32Array> = {}
  for (const [k, t] of Object.entries(file.tensors)) {
    const slash = k.indexOf('/')
    const [group, name] = [k.slice(0, slash), k.slice(slash + 1)]
    if (group === 'param') params[name] = t
    else if (group === 'best') best[name] = t
    else if (group === 'opt') buffers[name] = t.data
    else throw corrupt(`unexpected tensor "${k}"`)
  }
  return {
    signature: meta.signature as Record<string, unknown>,
    epoch: meta.epoch as number,
    step: meta.step as number,
    rngState: meta.rngState as number[],
    params,
    optimizer: { step: meta.optimizerStep as number, buffers },
    best: { params: best, epoch: meta.best.epoch, value: meta.best.value },
    badEpochs: meta.badEpochs as number,
    stopped: meta.stopped as boolean,
    targetStats: meta.targetStats as TargetStats[],
    history: meta.history as EpochRecord[],
  }
}

/** Throws RewardfitError naming the first setting where the checkpoint and this run differ. */
export function checkSignature(dir: string, saved: Record<string, unknown>, current: Record<string, unknown>): void {
  for (const key of new Set([...Object.keys(saved), ...Object.keys(current)])) {
    const a = JSON.stringify(saved[key])
    const b = JSON.stringify(current[key])
    if (a !== b) {
      throw new RewardfitError(
        `checkpoint in ${dir} was written by a run with ${key} = ${a}, but this run has ${key} = ${b}; ` +
          'resume with the same options and data, or use a new checkpointDir',
      )
    }
  }
}
