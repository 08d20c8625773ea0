/**
 * Hostile and broken input files through the real CLI: each must end in one clear line (file, line,
 * fix), with no raw control bytes on the terminal and no stack trace.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'

const BIN = resolve(import.meta.dirname, '../../bin/rewardfit.js')
const run = (args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, REWARDFIT_OFFLINE: '1' },
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}
/** Any C0 control but newline, DEL or a C1 control: what a terminal would act on. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/

describe('hostile input through the CLI', () => {
  let dir = ''
  const path = (name: string) => join(dir, name)
  const good = (i: number) => JSON.stringify({ prompt: `question ${i}`, response: `answer ${i} words`, score: i % 5 })
  const goodLines = (n: number) => Array.from({ length: n }, (_, i) => good(i)).join('\n')

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rf-hostile-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('escapes control characters of an invalid JSON line in the error', async () => {
    await writeFile(path('esc.jsonl'), `${goodLines(3)}\n\u001b]0;owned\u0007\u001b[2J\u009b31m{"prompt": 1}\n`)
    const r = run(['train', '--data', path('esc.jsonl'), '--targets', 'score', '--out', path('m-esc'), '--quiet'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /esc\.jsonl, line 4: invalid JSON/)
    assert.doesNotMatch(r.stderr, RAW_CONTROL)
    assert.match(r.stderr, /\\x1b/)
  })
})
