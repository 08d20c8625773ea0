import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type HubFileEntry, pickConvertedParquet, pickSplitFiles } from './split-files.ts'

const entries = (...paths: string[]): HubFileEntry[] => paths.map((path) => ({ path, size: 1 }))
const picked = (r: { entries: HubFileEntry[] } | null) => r?.entries.map((e) => e.path) ?? null

test('HelpSteer2 layout: root train/validation files, other folders ignored', () => {
  const repo = entries(
    '.gitattributes',
    'README.md',
    'train.jsonl.gz',
    'validation.jsonl.gz',
    'disagreements/disagreements.jsonl.gz',
    'preference/preference.jsonl.gz',
  )
  assert.deepEqual(pickSplitFiles(repo, 'train'), { format: 'jsonl', entries: [repo[2]] })
  assert.deepEqual(picked(pickSplitFiles(repo, 'validation')), ['validation.jsonl.gz'])
  assert.equal(pickSplitFiles(repo, 'test'), null)
})

test('sharded Parquet under data/, keyword synonyms and delimiters as in `datasets`', () => {
  const repo = entries(
    'data/train-00001-of-00002.parquet',
    'data/train-00000-of-00002.parquet',
    'data/dev-00000-of-00001.parquet',
    'data/test.csv',
    'data/strain.parquet',
    'data/trainer.parquet',
    '.cache/train.parquet',
  )
  assert.deepEqual(picked(pickSplitFiles(repo, 'train')), [
    'data/train-00000-of-00002.parquet',
    'data/train-00001-of-00002.parquet',
  ])
  assert.deepEqual(picked(pickSplitFiles(repo, 'validation')), ['data/dev-00000-of-00001.parquet'])
  assert.deepEqual(pickSplitFiles(repo, 'test'), { format: 'csv', entries: [repo[3]] })
  // Split folders: test/part0.jsonl.
  assert.deepEqual(picked(pickSplitFiles(entries('test/part0.jsonl', 'train/part0.jsonl'), 'test')), [
    'test/part0.jsonl',
  ])
  // Custom split names match literally.
  assert.deepEqual(picked(pickSplitFiles(entries('ratings_human.jsonl', 'ratings_model.jsonl'), 'human')), [
    'ratings_human.jsonl',
  ])
})

test('Parquet wins over JSONL when a split ships both', () => {
  const repo = entries('train.jsonl', 'train.parquet')
  assert.equal(pickSplitFiles(repo, 'train')?.format, 'parquet')
})

test('refs/convert/parquet: {config}/{split}/NNNN.parquet, default config, partial splits', () => {
  const conv = entries(
    'default/train/0000.parquet',
    'default/train/0001.parquet',
    'default/validation/0000.parquet',
    'other/train/0000.parquet',
    'big/partial-train/0000.parquet',
  )
  assert.deepEqual(picked(pickConvertedParquet(conv, 'train')), [
    'default/train/0000.parquet',
    'default/train/0001.parquet',
  ])
  assert.deepEqual(picked(pickConvertedParquet(conv, 'other/train')), ['other/train/0000.parquet'])
  assert.deepEqual(picked(pickConvertedParquet(conv, 'big/train')), ['big/partial-train/0000.parquet'])
  const noDefault = pickConvertedParquet(entries('a/train/0000.parquet', 'b/train/0000.parquet'), 'train')
  assert.deepEqual(noDefault.entries, [])
  assert.deepEqual(noDefault.configs, ['a', 'b'])
  assert.deepEqual(picked(pickConvertedParquet(entries('only/test/0000.parquet'), 'test')), ['only/test/0000.parquet'])
})
