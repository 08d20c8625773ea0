import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { readRatings } from '../data/read-ratings.ts'
import { generateDemoDataset } from './generate.ts'
import { DEMO_ATTRIBUTES } from './rubric.ts'
import { writeDemoDataset } from './write.ts'

describe('writeDemoDataset', () => {
  it('writes JSONL atomically that readRatings reads back exactly, grouped by question', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rewardfit-demo-'))
    const path = join(dir, 'demo.jsonl')
    await writeFile(path, 'old contents')
    const opts = { prompts: 40, responsesPerPrompt: 5, seed: 11, missingRate: 0.1 }
    const result = await writeDemoDataset(path, opts)
    assert.deepEqual([result.rows, result.prompts, result.attributes], [200, 40, [...DEMO_ATTRIBUTES]])
    assert.deepEqual(await readdir(dir), ['demo.jsonl']) // no temp file left behind
    const expected = generateDemoDataset(opts)
    const stream = readRatings(path, result.dataOptions)
    let i = 0
    for await (const e of stream) {
      const want = expected[i++]
      assert.equal(e.prompt, want.prompt)
      assert.equal(e.response, want.response)
      assert.equal(e.group, want.group)
      assert.deepStrictEqual(e.targets, want.targets) // NaN <-> null round trip
    }
    assert.equal(i, 200)
    assert.equal(stream.summary.skipped, 0)
  })

  it('leaves no partial file when the folder does not exist', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rewardfit-demo-'))
    await assert.rejects(writeDemoDataset(join(dir, 'missing', 'demo.jsonl'), { prompts: 2 }))
    assert.deepEqual(await readdir(dir), [])
  })
})

describe('test/fixtures/data/demo-small.jsonl', () => {
  it('is what writeDemoDataset writes for its options (the generator has not drifted)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rewardfit-demo-'))
    const path = join(dir, 'demo-small.jsonl')
    await writeDemoDataset(path, { prompts: 8, responsesPerPrompt: 5, seed: 1 })
    const fixture = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'data', 'demo-small.jsonl')
    assert.equal(await readFile(path, 'utf8'), await readFile(fixture, 'utf8'))
  })
})
