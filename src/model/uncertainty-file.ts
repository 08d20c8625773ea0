/** Reads uncertainty.safetensors (Node only; the browser builds the same scorer from fetched bytes). */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { decodeSafetensors } from '../core/safetensors.ts'
import { ModelFolderError } from '../errors.ts'
import {
  UNCERTAINTY_FILE,
  type Uncertainty,
  type UncertaintyBase,
  type UncertaintySpec,
  uncertaintyFromParams,
} from './uncertainty.ts'

export async function loadUncertainty(dir: string, spec: UncertaintySpec, base: UncertaintyBase): Promise<Uncertainty> {
  let bytes: Buffer
  try {
    bytes = await readFile(join(dir, UNCERTAINTY_FILE))
  } catch (err) {
    throw new ModelFolderError(
      dir,
      `config.json has "uncertainty" but ${UNCERTAINTY_FILE} cannot be read (${(err as NodeJS.ErrnoException).code}); restore the file, or remove "uncertainty" from config.json to score without std`,
      { cause: err },
    )
  }
  let tensors: ReturnType<typeof decodeSafetensors>['tensors']
  try {
    tensors = decodeSafetensors(
      new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      UNCERTAINTY_FILE,
    ).tensors
  } catch (err) {
    throw new ModelFolderError(dir, (err as Error).message, { cause: err })
  }
  return uncertaintyFromParams(spec, tensors, base, dir)
}
