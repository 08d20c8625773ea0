/**
 * A model is a folder: config.json (ModelConfig) + head.safetensors (the head's ParamSet) + optional
 * extra files (training-log.jsonl, …). Saving is atomic and never leaves the path missing: the folder
 * is written as a new version and published by swapping a symbolic link (publish-folder.ts), so a
 * crash leaves the old model or the new one, never half of one and never none. Loading validates
 * every file and names the file and the fix in a ModelFolderError.
 *
 * @example
 *   await saveModelFolder('models/demo', { config, params, files: { 'training-log.jsonl': log } })
 *   const { config, params } = await loadModelFolder('models/demo')
 */
import { open, readdir, readFile, stat } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { z } from 'zod'
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from '../core/safetensors.ts'
import { ModelFolderError } from '../errors.ts'
import type { ParamSet } from '../heads/head.ts'
import { paramShapes } from '../heads/registry.ts'
import { FORMAT_VERSION, type ModelConfig } from './config.ts'
import { mergeShapes } from './merge/registry.ts'
import { publishFolder, publishTarget, recoverInterrupted } from './publish-folder.ts'

export const CONFIG_FILE = 'config.json'
export const HEAD_FILE = 'head.safetensors'
/** Format versions this code reads. */
export const SUPPORTED_FORMAT_VERSIONS: readonly number[] = [FORMAT_VERSION]

const positiveInt = z.number().int().positive()
const headSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('linear'), inputDim: positiveInt, outputs: positiveInt }),
  z.looseObject({
    type: z.literal('mlp'),
    inputDim: positiveInt,
    outputs: positiveInt,
    hidden: z.array(positiveInt).min(1).max(2),
    activation: z.enum(['gelu', 'relu']),
    dropout: z.number().min(0).lt(1),
  }),
])

/** The schema of config.json (extra keys in head / featurizer are kept: they are spec options). */
export const modelConfigSchema = z.object({
  formatVersion: z.number().int(),
  attributes: z.array(z.string().min(1)).min(1),
  attributeWeights: z.array(z.number()),
  scales: z.array(z.object({ min: z.number(), max: z.number() }).nullable()),
  targetStats: z.array(z.object({ mean: z.number(), std: z.number().positive() })),
  head: headSchema,
  featurizer: z.looseObject({ type: z.string().min(1) }).nullable(),
  merge: z.looseObject({ type: z.string().min(1) }).optional(),
  sideFeatures: z
    .object({
      columns: z.array(z.string().min(1)).min(1),
      mean: z.array(z.number()),
      std: z.array(z.number().positive()),
    })
    .optional(),
  data: z
    .looseObject({
      format: z.enum(['jsonl', 'json', 'csv', 'tsv', 'parquet']).optional(),
      promptColumn: z.string().min(1),
      responseColumn: z.string().min(1),
      messagesColumn: z.string().min(1),
      targetColumns: z.array(z.string().min(1)),
      featureColumns: z.array(z.string().min(1)).optional(),
      groupColumn: z.string().min(1).nullable(),
      quote: z.enum(['auto', 'none']),
      delimiter: z.string().length(1).nullable(),
    })
    .optional(),
  uncertainty: z.looseObject({ type: z.enum(['ridge', 'ensemble']) }).optional(),
  training: z.record(z.string(), z.unknown()).optional(),
})

export interface ModelFolder {
  config: ModelConfig
  params: ParamSet
}

export interface SaveModelFolderInput extends ModelFolder {
  /** Extra files by plain file name (no folders), e.g. { 'training-log.jsonl': text }. */
  files?: Record<string, string | Uint8Array>
}

/**
 * Checks a parsed config.json; returns it typed or throws a ModelFolderError naming the field.
 * `folder` is only used in the message.
 */
export function parseModelConfig(json: unknown, folder = '.'): ModelConfig {
  const fail = (why: string): never => {
    throw new ModelFolderError(folder, `${CONFIG_FILE}: ${why}`)
  }
  const version = (json as { formatVersion?: unknown } | null)?.formatVersion
  if (typeof version === 'number' && !SUPPORTED_FORMAT_VERSIONS.includes(version)) {
    fail(
      `formatVersion ${version} is not supported; this rewardfit reads formatVersion ${SUPPORTED_FORMAT_VERSIONS.join(', ')} ` +
        `(${version > FORMAT_VERSION ? 'upgrade rewardfit' : 're-train or re-save the model with this version'})`,
    )
  }
  const r = modelConfigSchema.safeParse(json)
  if (!r.success) {
    const issue = r.error.issues[0]
    const field = issue.path.length > 0 ? issue.path.join('.') : '(top level)'
    fail(`field "${field}": ${issue.message}; fix the field or re-save the model with saveModelFolder`)
  }
  const c = r.data as ModelConfig
  const k = c.attributes.length
  const lengths: [string, number][] = [
    ['attributeWeights', c.attributeWeights.length],
    ['scales', c.scales.length],
    ['targetStats', c.targetStats.length],
    ['head.outputs', c.head.outputs],
  ]
  for (const [field, len] of lengths) {
    if (len !== k)
      fail(
        `field "${field}" has ${len} entries but there are ${k} attributes (${c.attributes.join(', ')}); they must match`,
      )
  }
  c.scales.forEach((sc, a) => {
    if (sc && !(sc.min < sc.max)) fail(`field "scales.${a}" has min ${sc.min} >= max ${sc.max}; min must be below max`)
  })
  if (new Set(c.attributes).size !== k) fail(`field "attributes" has duplicate names (${c.attributes.join(', ')})`)
  const side = c.sideFeatures
  if (side && (side.mean.length !== side.columns.length || side.std.length !== side.columns.length))
    fail('field "sideFeatures" needs one mean and one std per column')
  if (c.data && c.data.targetColumns.length !== k)
    fail(
      `field "data.targetColumns" has ${c.data.targetColumns.length} entries but there are ${k} attributes; they must match`,
    )
  return c
}

/**
 * Checks params against paramShapes(config.head) plus the learned merge's `merge.*` tensors: same
 * names, same shapes, finite values.
 */
export function checkParams(config: ModelConfig, params: ParamSet, folder = '.'): void {
  const fail = (why: string): never => {
    throw new ModelFolderError(folder, `${HEAD_FILE}: ${why}`)
  }
  const want = { ...paramShapes(config.head), ...mergeShapes(config, folder) }
  const missing = Object.keys(want).filter((n) => !(n in params))
  const extra = Object.keys(params).filter((n) => !(n in want))
  if (missing.length > 0 || extra.length > 0) {
    fail(
      `tensor names do not match the ${config.head.type} head in ${CONFIG_FILE}` +
        (missing.length ? `; missing: ${missing.join(', ')}` : '') +
        (extra.length ? `; unexpected: ${extra.join(', ')}` : '') +
        '; the two files do not belong together (re-save the model)',
    )
  }
  for (const [name, shape] of Object.entries(want)) {
    const got = params[name].shape
    if (got.length !== shape.length || got.some((s, i) => s !== shape[i])) {
      fail(
        `tensor "${name}" has shape [${got}] but the head in ${CONFIG_FILE} needs [${shape}]; the two files do not belong together`,
      )
    }
    const bad = params[name].data.findIndex((v) => !Number.isFinite(v))
    if (bad >= 0) fail(`tensor "${name}" has a non-finite value at index ${bad}; the model diverged, re-train it`)
  }
}

/** Validates, then writes the folder atomically (replacing an existing model folder). */
export async function saveModelFolder(dir: string, input: SaveModelFolderInput): Promise<void> {
  const target = await publishTarget(dir)
  const config = parseModelConfig(JSON.parse(JSON.stringify(input.config)), dir)
  checkParams(config, input.params, dir)
  const files = input.files ?? {}
  for (const name of Object.keys(files)) {
    if (name !== basename(name) || name === '.' || name === '..' || name === CONFIG_FILE || name === HEAD_FILE) {
      throw new ModelFolderError(
        dir,
        `extra file "${name}" must be a plain file name other than ${CONFIG_FILE} and ${HEAD_FILE}`,
      )
    }
  }
  const existing = await stat(target).catch(() => null)
  if (existing && !existing.isDirectory()) {
    throw new ModelFolderError(dir, 'exists and is not a folder; choose another path or remove the file')
  }
  if (existing && !(await stat(join(target, CONFIG_FILE)).catch(() => null))) {
    const entries = await readdir(target)
    if (entries.length > 0) {
      throw new ModelFolderError(
        dir,
        `exists, is not empty and holds no ${CONFIG_FILE}; refusing to replace a folder that is not a model`,
      )
    }
  }
  try {
    await publishFolder(target, async (tmp) => {
      await writeDurable(join(tmp, CONFIG_FILE), `${JSON.stringify(input.config, null, 2)}\n`)
      const metadata = { format: 'pt', rewardfit_head: config.head.type }
      await writeDurable(join(tmp, HEAD_FILE), encodeSafetensors(input.params, metadata))
      for (const [name, content] of Object.entries(files)) await writeDurable(join(tmp, name), content)
    })
  } catch (err) {
    throw new ModelFolderError(dir, `could not write the model (${(err as Error).message}); the old one is kept`, {
      cause: err,
    })
  }
}

/** Writes and fsyncs, so the rename that publishes the folder never exposes unflushed (empty) files. */
async function writeDurable(path: string, content: string | Uint8Array): Promise<void> {
  const fh = await open(path, 'w')
  try {
    await fh.writeFile(content)
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/** Reads and validates config.json and head.safetensors. */
export async function loadModelFolder(dir: string): Promise<ModelFolder> {
  // A save killed while replacing an old-layout folder left it under .NAME.old-*: put it back first.
  const s = (await stat(dir).catch(() => null)) ?? ((await recoverInterrupted(resolve(dir))) ? await stat(dir) : null)
  if (!s)
    throw new ModelFolderError(dir, 'does not exist; pass the folder written by `rewardfit train` or saveModelFolder')
  if (!s.isDirectory())
    throw new ModelFolderError(
      dir,
      `is a file, not a folder; pass the folder that holds ${CONFIG_FILE} and ${HEAD_FILE}`,
    )
  const read = async (name: string): Promise<Buffer> => {
    try {
      return await readFile(join(dir, name))
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      throw new ModelFolderError(
        dir,
        code === 'ENOENT'
          ? `missing ${name}; a model folder holds ${CONFIG_FILE} and ${HEAD_FILE} (re-save the model)`
          : `cannot read ${name} (${code})`,
        { cause: err },
      )
    }
  }
  const configText = (await read(CONFIG_FILE)).toString('utf8')
  let json: unknown
  try {
    json = JSON.parse(configText)
  } catch (err) {
    throw new ModelFolderError(
      dir,
      `${CONFIG_FILE} is not valid JSON (${(err as Error).message}); fix it or re-save the model`,
      {
        cause: err,
      },
    )
  }
  const config = parseModelConfig(json, dir)
  const headBytes = await read(HEAD_FILE)
  let params: ParamSet
  try {
    params = decodeSafetensors(
      new Uint8Array(headBytes.buffer, headBytes.byteOffset, headBytes.byteLength),
      HEAD_FILE,
    ).tensors
  } catch (err) {
    if (err instanceof SafetensorsError) throw new ModelFolderError(dir, err.message, { cause: err })
    throw err
  }
  checkParams(config, params, dir)
  return { config, params }
}
