/**
 * --features: numeric side columns (MLQE-PE's model_scores, a length) appended to the backbone's
 * vector, standardized on the training split, stored in the model and required when scoring.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Rng } from '../../src/compute/rng.ts'
import { loadRewardModel } from '../../src/model/load-model.ts'
import { runCli } from '../helpers/run-cli.ts'

const run = runCli

describe('numeric side features (--features)', () => {
  let dir = ''
  const path = (name: string) => join(dir, name)
  const common = [
    '--quote',
    'none',
    '--prompt',
    'original',
    '--response',
    'translation',
    '--targets',
    'z_mean',
    '--val-fraction',
    '0.2',
    '--test-fraction',
    '0.2',
    '--dim',
    '128',
    '--json',
  ]

  /** `train --features model_scores` on qe.tsv into `name`. */
  const trainSide = (name: string, extra: string[] = []) =>
    run(['train', '--data', path('qe.tsv'), ...common, '--features', 'model_scores', '--out', path(name), ...extra])

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rf-side-'))
    // The texts carry no signal; the rating follows the NMT model's own score (as in MLQE-PE).
    const rng = new Rng(3)
    const words = ['haus', 'katze', 'baum', 'auto', 'weg', 'licht', 'see', 'berg']
    const text = () => Array.from({ length: 3 + rng.int(6) }, () => words[rng.int(words.length)]).join(' ')
    const lines = ['index\toriginal\ttranslation\tmodel_scores\tz_mean']
    for (let i = 0; i < 300; i++) {
      const score = -1 + 2 * rng.float()
      lines.push(
        `${i}\tsource ${i} ${text()}\t${text()}\t${(score * 0.4 - 0.3).toFixed(4)}\t${(score + 0.1 * (rng.float() - 0.5)).toFixed(4)}`,
      )
    }
    await writeFile(path('qe.tsv'), `${lines.join('\n')}\n`)
    await writeFile(path('nofeature.tsv'), 'index\toriginal\ttranslation\tz_mean\n0\ta\tb\t0.1\n')
    await writeFile(path('badfeature.tsv'), `${lines.slice(0, 3).join('\n')}\n3\tx\ty\tabc\t0.2\n`)
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('learns from the side column, stores it, and scores a same-schema file', async () => {
    const plain = run(['train', '--data', path('qe.tsv'), ...common, '--out', path('m-plain')])
    assert.equal(plain.code, 0, plain.stderr)
    const side = trainSide('m-side')
    assert.equal(side.code, 0, side.stderr)
    const pPlain = JSON.parse(plain.stdout).metrics.test.attributes.z_mean.pearson
    const pSide = JSON.parse(side.stdout).metrics.test.attributes.z_mean.pearson
    assert.ok(pSide > 0.95, `with --features: test Pearson ${pSide}`)
    assert.ok(pPlain < 0.5, `without: test Pearson ${pPlain}`)
    const config = JSON.parse(await readFile(path('m-side/config.json'), 'utf8'))
    assert.deepEqual(config.sideFeatures.columns, ['model_scores'])
    assert.ok(config.sideFeatures.std[0] > 0.1 && config.sideFeatures.std[0] < 0.5)
    assert.equal(config.head.inputDim, 129)
    assert.deepEqual(config.data.featureColumns, ['model_scores'])
    const s = run(['score', '--model', path('m-side'), '--data', path('qe.tsv')])
    assert.equal(s.code, 0, s.stderr)
    assert.equal(s.stdout.trim().split('\n').length, 300)
    const e = run(['eval', '--model', path('m-side'), '--data', path('qe.tsv'), '--bootstrap', '0', '--json'])
    assert.equal(e.code, 0, e.stderr)
    assert.ok(JSON.parse(e.stdout).attributes.z_mean.pearson > 0.95)
  })

  it('refuses rows without the side features, with a clear error', async () => {
    const missing = run(['score', '--model', path('m-side'), '--data', path('nofeature.tsv')])
    assert.equal(missing.code, 2)
    assert.match(
      missing.stderr,
      /invalid featureColumns: "model_scores"; expected a numeric column of .*nofeature\.tsv \(the model uses it as a side feature, --features\)/,
    )
    const bad = run(['score', '--model', path('m-side'), '--data', path('badfeature.tsv')])
    assert.equal(bad.code, 1)
    assert.match(
      bad.stderr,
      /badfeature\.tsv, line 4, field "model_scores": side feature string "abc" is not a finite number/,
    )
    const model = await loadRewardModel(path('m-side'))
    await assert.rejects(
      model.score([{ prompt: 'a', response: 'b' }]),
      /needs the numeric side features model_scores for every row/,
    )
    const ok = await model.score([{ prompt: 'a', response: 'b', features: [0.2] }])
    assert.ok(Number.isFinite(ok.rewards[0]))
  })
  it('featurize --features, then train --feature-store --features: the model of direct training', async () => {
    const train = (name: string, extra: string[]) => {
      const r = trainSide(name, extra)
      assert.equal(r.code, 0, r.stderr)
      return readFile(path(`${name}/head.safetensors`))
    }
    const featurize = (store: string, shardRows: number, features = ['--features', 'model_scores']) => {
      const r = run([
        'featurize',
        '--data',
        path('qe.tsv'),
        ...common,
        ...features,
        '--shard-rows',
        String(shardRows),
        '--out',
        path(store),
      ])
      assert.equal(r.code, 0, r.stderr)
    }
    const direct = await train('m-direct', [])
    // One shard per split: the same partial sums as the direct path, to the bit.
    featurize('store-one', 100_000)
    assert.ok((await train('m-store-one', ['--feature-store', path('store-one')])).equals(direct))
    const config = async (name: string) => JSON.parse(await readFile(path(`${name}/config.json`), 'utf8'))
    assert.deepEqual((await config('m-store-one')).sideFeatures, (await config('m-direct')).sideFeatures)

    // Several shards: the ridge sums the shards' [x, z] partials; only the float64 grouping differs.
    featurize('store-shards', 40)
    const sharded = await train('m-store-shards', ['--feature-store', path('store-shards')])
    assert.ok((await train('m-store-shards-2', ['--feature-store', path('store-shards')])).equals(sharded))
    const w = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset + 8 + b.readUInt32LE(0)))
    const [p, q] = [w(direct), w(sharded)]
    assert.equal(p.length, q.length)
    assert.equal((await config('m-store-shards')).head.inputDim, 129)
    for (let i = 0; i < p.length; i++) assert.ok(Math.abs(p[i] - q[i]) <= 1e-4 * (Math.abs(p[i]) + 1e-3), `weight ${i}`)

    // A store featurized without --features has no partials for them: train says what to run.
    featurize('store-plain', 40, [])
    const r = run([
      'train',
      '--data',
      path('qe.tsv'),
      ...common,
      '--features',
      'model_scores',
      '--feature-store',
      path('store-plain'),
      '--out',
      path('m-x'),
    ])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /for these side features is missing; run rewardfit featurize again with the same --features/)
  })
})
