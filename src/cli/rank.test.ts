import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { hashingModel } from '../../test/browser/hashing-model.ts'
import { saveModelFolder } from '../model/folder.ts'
import { parseResponses } from './rank.ts'

const root = fileURLToPath(new URL('../../', import.meta.url))

test('parseResponses: plain lines, JSONL strings, JSONL objects', () => {
  assert.deepEqual(parseResponses('first answer\n\nsecond, "quoted"\r\n', 'r.txt'), [
    'first answer',
    'second, "quoted"',
  ])
  assert.deepEqual(parseResponses('"a\\nb"\n"c"\n', 'r.jsonl'), ['a\nb', 'c'])
  assert.deepEqual(parseResponses('{"response": "x", "id": 1}\n\n{"response": "y"}\n', 'r.jsonl'), ['x', 'y'])
  // A line that merely starts with a quote but is not JSON keeps the plain format.
  assert.deepEqual(parseResponses('"Hello," she said.\nBye', 'r.txt'), ['"Hello," she said.', 'Bye'])
})

test('parseResponses names the file, line and field of a bad JSONL line, and refuses an empty file', () => {
  assert.throws(
    () => parseResponses('"a"\n{"response": 3}\n', 'r.jsonl'),
    /r\.jsonl, line 2, field "response": expected a JSON string or an object/,
  )
  assert.throws(() => parseResponses('{"response": "a"}\n{oops\n', 'r.jsonl'), /r\.jsonl, line 2: not valid JSON/)
  assert.throws(() => parseResponses('\n \n', 'empty.txt'), /empty\.txt: holds no responses/)
})

let dir: string
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rewardfit-rank-'))
  const model = hashingModel()
  await saveModelFolder(join(dir, 'model'), { config: model.config, params: model.head.params })
  await writeFile(join(dir, 'responses.txt'), 'Paris is the capital of France.\nI think it is Lyon?\nParis.\n')
})
after(() => rm(dir, { recursive: true, force: true }))

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, encoding: 'utf8' })

test('rewardfit rank prints the ranking, best first, as a table or as JSON', async () => {
  const prompt = 'What is the capital of France?'
  const r = cli(
    'rank',
    '--model',
    join(dir, 'model'),
    '--prompt',
    prompt,
    '--responses',
    join(dir, 'responses.txt'),
    '--json',
    '--top-k',
    '2',
  )
  assert.equal(r.status, 0, r.stderr)
  const ranked = JSON.parse(r.stdout) as { rank: number; index: number; reward: number; response: string }[]
  assert.equal(ranked.length, 2)
  const model = hashingModel()
  const responses = ['Paris is the capital of France.', 'I think it is Lyon?', 'Paris.']
  const ref = await model.score(responses.map((response) => ({ prompt, response })))
  const order = [0, 1, 2].sort((a, b) => ref.rewards[b] - ref.rewards[a])
  assert.deepEqual(
    ranked.map((x) => x.index),
    order.slice(0, 2),
  )
  assert.ok(Math.abs(ranked[0].reward - ref.rewards[order[0]]) < 1e-6)

  const t = cli('rank', '--model', join(dir, 'model'), '--prompt', prompt, '--responses', join(dir, 'responses.txt'))
  assert.equal(t.status, 0, t.stderr)
  const lines = t.stdout.trim().split('\n')
  assert.match(lines[0], /^rank\s+reward\s+helpfulness\s+coherence\s+verbosity\s+line\s+response$/)
  assert.equal(lines.length, 2 + 3)
  assert.match(lines[2], new RegExp(`^1\\s+${ref.rewards[order[0]].toFixed(4)}\\s.*\\s${order[0] + 1}\\s+`))
})

test('rewardfit rank: a bad --top-k is a usage error (exit 2), a missing file a failure (exit 1)', () => {
  const bad = cli(
    'rank',
    '--model',
    join(dir, 'model'),
    '--prompt',
    'p',
    '--responses',
    join(dir, 'responses.txt'),
    '--top-k',
    '0',
  )
  assert.equal(bad.status, 2)
  assert.match(bad.stderr, /invalid --top-k: "0"; expected an integer in \[1, ∞\]/)
  const missing = cli('rank', '--model', join(dir, 'model'), '--prompt', 'p', '--responses', join(dir, 'nope.txt'))
  assert.equal(missing.status, 1)
  assert.match(missing.stderr, /nope\.txt: cannot read the responses \(ENOENT\)/)
})
