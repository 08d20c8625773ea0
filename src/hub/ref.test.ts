import assert from 'node:assert/strict'
import { test } from 'node:test'
import { OptionError } from '../errors.ts'
import { isHubRef, parseHubRef } from './ref.ts'

test('parses hf:ORG/NAME[@REVISION][:SPLIT] with train and main as defaults', () => {
  assert.deepEqual(parseHubRef('hf:nvidia/HelpSteer2'), { repo: 'nvidia/HelpSteer2', revision: 'main', split: 'train' })
  assert.deepEqual(parseHubRef('hf:nvidia/HelpSteer2:validation'), {
    repo: 'nvidia/HelpSteer2',
    revision: 'main',
    split: 'validation',
  })
  assert.deepEqual(parseHubRef('hf:org/my.data-set_2@v1.0:test'), {
    repo: 'org/my.data-set_2',
    revision: 'v1.0',
    split: 'test',
  })
  assert.deepEqual(parseHubRef('hf:org/data:default/train'), {
    repo: 'org/data',
    revision: 'main',
    split: 'default/train',
  })
  assert.equal(isHubRef('hf:a/b'), true)
  assert.equal(isHubRef('data/hf.jsonl'), false)
})

test('rejects malformed references with the expected shape in the message', () => {
  for (const bad of [
    'nvidia/HelpSteer2',
    'hf:HelpSteer2',
    'hf:a/b/c',
    'hf:a/b:',
    'hf:a/b@:train',
    'hf:../x',
    'hf:a/b--c',
    'hf:a/b:tr ain',
  ]) {
    assert.throws(
      () => parseHubRef(bad),
      (e: Error) => e instanceof OptionError && /hf:ORG\/NAME\[@REVISION\]\[:SPLIT\]/.test(e.message),
      bad,
    )
  }
})
