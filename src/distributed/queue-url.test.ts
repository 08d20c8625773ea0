import assert from 'node:assert/strict'
import { test } from 'node:test'
import { OptionError } from '../errors.ts'
import { parseQueueUrl, redactQueueUrl, scrubSecret } from './queue-url.ts'

test('queue URLs: host, port, db, user and password parsed; the password only ever redacted', () => {
  const a = parseQueueUrl('redis://:p%40ss@10.0.0.5:6380/2')
  assert.deepEqual(
    { host: a.host, port: a.port, db: a.db, password: a.password, username: a.username, tls: a.tls },
    { host: '10.0.0.5', port: 6380, db: 2, password: 'p@ss', username: undefined, tls: false },
  )
  assert.equal(a.redacted, 'redis://:***@10.0.0.5:6380/2')
  assert.equal(parseQueueUrl('rediss://bob:pw@h').redacted, 'rediss://bob:***@h')
  assert.equal(parseQueueUrl('redis://h').port, 6379)
  assert.equal(redactQueueUrl('redis://h:1'), 'redis://h:1')
  assert.equal(scrubSecret('auth p@ss failed (p%40ss)', { password: 'p@ss' }), 'auth *** failed (***)')
})

test('a bad queue URL is an OptionError that does not echo the password', () => {
  for (const bad of ['http://:secret@h:1', 'redis://:secret@h:1/x', 'not a url :secret@']) {
    assert.throws(
      () => parseQueueUrl(bad),
      (e: unknown) => e instanceof OptionError && !e.message.includes('secret'),
    )
  }
})
