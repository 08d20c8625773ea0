import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { after, test } from 'node:test'
import { encodeSafetensors } from '../core/safetensors.ts'
import type { ParamSet } from '../core/tensor.ts'
import { ModelFolderError } from '../errors.ts'
import { FORMAT_VERSION, type ModelConfig } from './config.ts'
import { loadModelFolder, saveModelFolder } from './folder.ts'

const root = await mkdtemp(join(tmpdir(), 'rewardfit-folder-'))
after(() => rm(root, { recursive: true, force: true }))
let counter = 0
const fresh = () => join(root, `m${++counter}`)

const config = (): ModelConfig => ({
  formatVersion: FORMAT_VERSION,
  attributes: ['helpfulness', 'safety'],
  attributeWeights: [0.7, 0.3],
  scales: [{ min: 1, max: 5 }, null],
  targetStats: [
    { mean: 3.1, std: 0.9 },
    { mean: 0.5, std: 0.25 },
  ],
  head: { type: 'linear', inputDim: 3, outputs: 2, solver: 'eigen' },
  featurizer: { type: 'hashing', dim: 3 },
  training: { epochs: 0 },
})
const params = (): ParamSet => ({
  'linear.weight': { shape: [2, 3], data: Float32Array.from([0.1, -0.2, 0.3, 1e-8, 5, -6]) },
  'linear.bias': { shape: [2], data: Float32Array.from([0.25, -0.125]) },
})

/** Saves a valid model, lets `edit` damage it, and expects loadModelFolder to fail with `re`. */
async function expectLoadError(edit: (dir: string) => Promise<void>, re: RegExp) {
  const dir = fresh()
  await saveModelFolder(dir, { config: config(), params: params() })
  await edit(dir)
  await assert.rejects(loadModelFolder(dir), (e: unknown) => {
    assert.ok(e instanceof ModelFolderError, String(e))
    assert.ok(e.message.startsWith(`model folder ${dir}: `), e.message)
    assert.match(e.message, re)
    return true
  })
}
const editConfig = (f: (c: Record<string, unknown>) => void) => async (dir: string) => {
  const c = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'))
  f(c)
  await writeFile(join(dir, 'config.json'), JSON.stringify(c))
}

test('round trip: same config, bit-identical params, extra files, and re-saving gives identical bytes', async () => {
  const dir = fresh()
  await saveModelFolder(dir, { config: config(), params: params(), files: { 'training-log.jsonl': '{"epoch":1}\n' } })
  assert.deepEqual((await readdir(dir)).sort(), ['config.json', 'head.safetensors', 'training-log.jsonl'])
  const back = await loadModelFolder(dir)
  assert.deepEqual(back.config, config())
  assert.deepEqual(back.params, params())
  const dir2 = fresh()
  await saveModelFolder(dir2, back)
  for (const f of ['config.json', 'head.safetensors']) {
    assert.deepEqual(await readFile(join(dir2, f)), await readFile(join(dir, f)), f)
  }
  assert.equal(await readFile(join(dir, 'training-log.jsonl'), 'utf8'), '{"epoch":1}\n')
})

test('saving over an existing model replaces it completely and leaves only the linked version', async () => {
  const dir = fresh()
  await saveModelFolder(dir, { config: config(), params: params(), files: { 'old.txt': 'x' } })
  const p = params()
  p['linear.bias'].data[0] = 42
  await saveModelFolder(dir, { config: config(), params: p })
  assert.deepEqual((await readdir(dir)).sort(), ['config.json', 'head.safetensors'])
  assert.equal((await loadModelFolder(dir)).params['linear.bias'].data[0], 42)
  // The folder is a link to its one version; the replaced version and all temp names are gone.
  const version = await readlink(dir)
  assert.deepEqual(
    (await readdir(root)).filter((f) => f.startsWith(`.${basename(dir)}.`)),
    [version],
  )
})

test('an invalid model is refused before anything is written; the old model stays intact', async () => {
  const dir = fresh()
  await saveModelFolder(dir, { config: config(), params: params() })
  const before = await readFile(join(dir, 'head.safetensors'))
  const bad = params()
  bad['linear.weight'].shape = [3, 2]
  await assert.rejects(
    saveModelFolder(dir, { config: config(), params: bad }),
    /shape \[3,2\] but the head in config.json needs \[2,3\]/,
  )
  await assert.rejects(
    saveModelFolder(dir, { config: config(), params: params(), files: { '../evil': 'x' } }),
    /plain file name/,
  )
  assert.deepEqual(await readFile(join(dir, 'head.safetensors')), before)
  const notModel = fresh()
  await saveModelFolder(join(notModel, 'inner'), { config: config(), params: params() })
  await assert.rejects(saveModelFolder(notModel, { config: config(), params: params() }), /not a model/)
})

test('missing folder, missing files and bad JSON name the file and the fix', async () => {
  await assert.rejects(loadModelFolder(join(root, 'nope')), /does not exist; pass the folder/)
  await expectLoadError((d) => rm(join(d, 'config.json')), /missing config\.json/)
  await expectLoadError((d) => rm(join(d, 'head.safetensors')), /missing head\.safetensors/)
  await expectLoadError(
    (d) => writeFile(join(d, 'config.json'), '{"formatVersion": 1,'),
    /config\.json is not valid JSON/,
  )
})

test('unsupported formatVersion says which versions are supported', async () => {
  await expectLoadError(
    editConfig((c) => {
      c.formatVersion = 99
    }),
    /config\.json: formatVersion 99 is not supported; this rewardfit reads formatVersion 1 \(upgrade rewardfit\)/,
  )
})

test('schema and length mismatches name the field', async () => {
  await expectLoadError(
    editConfig((c) => {
      c.attributeWeights = [1]
    }),
    /field "attributeWeights" has 1 entries but there are 2 attributes/,
  )
  await expectLoadError(
    editConfig((c) => {
      c.targetStats = [{ mean: 1, std: 1 }]
    }),
    /field "targetStats" has 1 entries/,
  )
  await expectLoadError(
    editConfig((c) => {
      ;(c.targetStats as { std: number }[])[1].std = 0
    }),
    /field "targetStats\.1\.std"/,
  )
  await expectLoadError(
    editConfig((c) => {
      ;(c.head as { type: string }).type = 'forest'
    }),
    /field "head\.type"/,
  )
  await expectLoadError(
    editConfig((c) => {
      c.scales = [{ min: 5, max: 1 }, null]
    }),
    /scales\.0.*min must be below max/,
  )
})

test('params that do not match the head spec, or a corrupt head file, are rejected', async () => {
  await expectLoadError(
    editConfig((c) => {
      ;(c.head as { inputDim: number }).inputDim = 4
    }),
    /tensor "linear\.weight" has shape \[2,3\] but the head in config\.json needs \[2,4\]/,
  )
  await expectLoadError(
    (d) =>
      writeFile(
        join(d, 'head.safetensors'),
        encodeSafetensors({ 'layers.0.weight': { shape: [1], data: new Float32Array(1) } }),
      ),
    /missing: linear\.weight, linear\.bias; unexpected: layers\.0\.weight/,
  )
  await expectLoadError(async (d) => {
    const b = await readFile(join(d, 'head.safetensors'))
    await writeFile(join(d, 'head.safetensors'), b.subarray(0, b.length - 3))
  }, /head\.safetensors: .*truncated/)
  await expectLoadError(async (d) => {
    const p = params()
    p['linear.bias'].data[1] = Number.NaN
    await writeFile(join(d, 'head.safetensors'), encodeSafetensors(p))
  }, /non-finite value at index 1/)
})
