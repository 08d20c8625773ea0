/**
 * End to end with real parts: demo ratings → hashing features → a linear head trained on L_rating
 * (writing its training log) → saved model folder → `rewardfit eval --json --report` on held-out
 * prompts. The eval must find the signal the rubric put there, and the report must draw the
 * training curves from the folder's training-log.jsonl.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { main } from '../../src/cli/main.ts'
import { matrixSource } from '../../src/core/batch-source.ts'
import { readRatings } from '../../src/data/read-ratings.ts'
import { DEMO_ATTRIBUTES } from '../../src/demo/rubric.ts'
import { demoDataOptions, writeDemoDataset } from '../../src/demo/write.ts'
import { createHashingFeaturizer } from '../../src/featurize/hashing.ts'
import { FORMAT_VERSION, type ModelConfig } from '../../src/model/config.ts'
import { RewardModel } from '../../src/model/reward-model.ts'
import { saveRewardModel } from '../../src/model/save-model.ts'
import { train } from '../../src/train/train.ts'

async function features(file: string, featurizer: ReturnType<typeof createHashingFeaturizer>) {
  const rows = []
  for await (const e of readRatings(file, demoDataOptions())) rows.push(e)
  const k = DEMO_ATTRIBUTES.length
  const y = new Float32Array(rows.length * k)
  rows.forEach((e, i) => {
    y.set(e.targets, i * k)
  })
  return matrixSource({ rows: rows.length, cols: featurizer.dim, data: await featurizer.featurize(rows) }, y, k)
}

test('train → save → rewardfit eval finds the rubric signal and reports the training curves', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rewardfit-e2e-'))
  const trainFile = join(dir, 'train.jsonl')
  const valFile = join(dir, 'val.jsonl')
  const testFile = join(dir, 'test.jsonl')
  await writeDemoDataset(trainFile, { prompts: 120, seed: 1 })
  await writeDemoDataset(valFile, { prompts: 30, seed: 2 })
  await writeDemoDataset(testFile, { prompts: 40, seed: 3 })
  const featurizer = createHashingFeaturizer({ dim: 1024 })
  const logPath = join(dir, 'log.jsonl')
  const result = await train(
    { train: await features(trainFile, featurizer), val: await features(valFile, featurizer) },
    { head: 'linear', epochs: 20, lr: 1e-2, patience: 0, logPath },
  )
  const k = DEMO_ATTRIBUTES.length
  const config: ModelConfig = {
    formatVersion: FORMAT_VERSION,
    attributes: [...DEMO_ATTRIBUTES],
    attributeWeights: DEMO_ATTRIBUTES.map(() => 1 / k),
    scales: DEMO_ATTRIBUTES.map(() => ({ min: 0, max: 4 })),
    targetStats: result.targetStats,
    head: { ...result.head.spec } as ModelConfig['head'],
    featurizer: featurizer.spec,
  }
  const modelDir = join(dir, 'model')
  await saveRewardModel(modelDir, new RewardModel(config, result.head, featurizer), {
    'training-log.jsonl': readFileSync(logPath, 'utf8'),
  })

  let out = ''
  const write = process.stdout.write
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (typeof chunk !== 'string') return (write as (...a: unknown[]) => boolean).call(process.stdout, chunk, ...rest)
    out += chunk
    return true
  }) as typeof write
  const report = join(dir, 'report.html')
  let code: number
  const stderr = process.stderr.write
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]) =>
    typeof chunk === 'string'
      ? true
      : (stderr as (...a: unknown[]) => boolean).call(process.stderr, chunk, ...rest)) as typeof stderr
  try {
    code = await main([
      'node',
      'rewardfit',
      'eval',
      '--model',
      modelDir,
      '--data',
      testFile,
      '--json',
      '--bootstrap',
      '200',
      '--report',
      report,
    ])
  } finally {
    process.stdout.write = write
    process.stderr.write = stderr
  }
  assert.equal(code, 0)
  const json = JSON.parse(out)
  // The demo rubric is learnable from hashed words, concision most of all (src/demo/DEMO.md); measured
  // here: reward 0.66, concision 0.92, politeness 0.84, relevance / completeness / safety ≈ 0.58.
  assert.ok(json.reward.pearson > 0.55, `reward pearson ${json.reward.pearson}`)
  assert.ok(json.attributes.concision.pearson > 0.8, `concision pearson ${json.attributes.concision.pearson}`)
  for (const a of DEMO_ATTRIBUTES) {
    const c = json.attributes[a]
    assert.ok(c.ci.pearson[0] <= c.pearson && c.pearson <= c.ci.pearson[1])
    assert.ok(c.l_rating < 0 && Math.abs(c.l_rating + c.mse) < 1e-12)
    assert.ok(c.out_of_scale >= 0 && c.out_of_scale < 0.2)
  }
  const html = readFileSync(report, 'utf8')
  const curves = /<svg class="chart"[^>]*aria-label="Training curves[\s\S]*?<\/svg>/.exec(html)?.[0] ?? ''
  // Two series (train and validation L_rating), one dot per logged epoch.
  assert.equal(curves.match(/class="mark dot"/g)?.length, 2 * result.history.length)
})
