import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { sha256File } from './gguf-file-hash.ts'

test('sha256File matches node:crypto, remembers the hash, and re-hashes a rewritten file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rewardfit-hash-'))
  try {
    const file = join(dir, 'm.gguf')
    const bytes = Buffer.from('GGUF'.repeat(100_000))
    await writeFile(file, bytes)
    const want = createHash('sha256').update(bytes).digest('hex')
    const cacheDir = join(dir, 'cache')
    assert.equal(await sha256File(file), want)
    assert.equal(await sha256File(file, { cacheDir }), want)
    const [entry] = await readdir(join(cacheDir, 'file-sha256'))
    assert.match(entry, /^[0-9a-f]{64}\.txt$/)
    // A remembered hash is used as is: prove it by planting a different one for the same key.
    await writeFile(join(cacheDir, 'file-sha256', entry), 'a'.repeat(64))
    assert.equal(await sha256File(file, { cacheDir }), 'a'.repeat(64))
    // Rewriting the file changes size/mtime, hence the key, so the stale entry is never read.
    const changed = Buffer.from('GGUF'.repeat(100_001))
    await writeFile(file, changed)
    await utimes(file, new Date(), new Date(Date.now() + 5000))
    assert.equal(await sha256File(file, { cacheDir }), createHash('sha256').update(changed).digest('hex'))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
