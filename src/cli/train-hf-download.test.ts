import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative, sep } from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { type HubServerOptions, startHubDatasetServer } from '../../test/helpers/hub-dataset-server.ts'

// `train --backbone hf:ORG/NAME` as a user meets the model download (featurize/transformer-hub.ts): the real CLI, online, HF_ENDPOINT set.
const root = fileURLToPath(new URL('../../', import.meta.url))
const MODEL = join(root, 'test/fixtures/models/tiny-bert')
const files: Record<string, Uint8Array> = {}
let dir: string
before(async () => {
  for (const f of await readdir(MODEL, { recursive: true, withFileTypes: true })) {
    if (f.isFile())
      files[relative(MODEL, join(f.parentPath, f.name)).split(sep).join('/')] = await readFile(
        join(f.parentPath, f.name),
      )
  }
  dir = await mkdtemp(join(tmpdir(), 'rewardfit-cli-hf-'))
  const rows = Array.from({ length: 12 }, (_, i) => ({ prompt: `Q${i}?`, response: `answer ${i}`, score: i % 4 }))
  await writeFile(join(dir, 'ratings.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n'))
})
after(() => rm(dir, { recursive: true, force: true }))

/** The CLI in a child process that does not block this one (the Hub fixture answers from here). */
function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: root,
      env: { ...process.env, REWARDFIT_OFFLINE: '', HF_HUB_OFFLINE: '', ...env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

const train = async (name: string, options: HubServerOptions) => {
  const hub = await startHubDatasetServer({}, { ...options, models: { 'test-org/tiny-bert': { main: files } } })
  try {
    const args = [
      'train',
      '--data',
      join(dir, 'ratings.jsonl'),
      '--targets',
      'score',
      '--backbone',
      'hf:test-org/tiny-bert',
    ]
    const r = await cli([...args, '--cache-dir', join(dir, name), '--out', join(dir, `${name}-model`), '--quiet'], {
      HF_ENDPOINT: hub.endpoint,
    })
    return { ...r, requests: hub.requests }
  } finally {
    await hub.close()
  }
}

test('train --backbone hf:… resumes a model file cut off mid-way and retries a 503', async () => {
  const r = await train('flaky', { cutOnce: new Set(['onnx/model.onnx']), failOnce: { 'tokenizer.json': 503 } })
  assert.equal(r.code, 0, r.stderr)
  const graph = r.requests.filter((q) => q.url.startsWith('/cdn/') && q.url.endsWith('/onnx/model.onnx'))
  assert.equal(graph.length, 2)
  assert.match(String(graph[1].headers.range), /^bytes=\d+-$/)
  assert.equal(r.requests.filter((q) => q.url.endsWith('/resolve/main/tokenizer.json')).length, 2)
})

test('train --backbone hf:… with a corrupted model file fails with the checksum, no stack trace', async () => {
  const r = await train('corrupt', { corrupt: new Set(['onnx/model.onnx']) })
  assert.notEqual(r.code, 0)
  assert.match(
    r.stderr,
    /test-org\/tiny-bert onnx\/model\.onnx: sha256 [0-9a-f]{64} does not match the Hub's [0-9a-f]{64}; the download was deleted/,
  )
  assert.doesNotMatch(r.stderr, /\n\s+at /)
})
