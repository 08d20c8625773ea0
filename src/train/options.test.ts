import assert from 'node:assert/strict'
import { test } from 'node:test'
import { OptionError } from '../errors.ts'
import { resolveTrainOptions, TRAIN_DEFAULTS, type TrainOptions } from './options.ts'

test('defaults come from TRAIN_DEFAULTS; undefined values do not override them', () => {
  assert.deepEqual(resolveTrainOptions(), TRAIN_DEFAULTS)
  assert.equal(resolveTrainOptions({ lr: undefined, epochs: 3 }).lr, TRAIN_DEFAULTS.lr)
  assert.equal(resolveTrainOptions({ epochs: 3 }).epochs, 3)
})

test('bad values give an OptionError naming the option and what is valid', () => {
  const bad: [TrainOptions & Record<string, unknown>, RegExp][] = [
    [{ lr: 0 }, /invalid lr: 0; expected a finite number > 0/],
    [{ epochs: 1.5 }, /epochs/],
    [{ batchSize: 0 }, /batchSize/],
    [{ head: 'tree' as never }, /head.*'linear', 'mlp'/],
    [{ hidden: [4, 4, 4] }, /hidden/],
    [{ dropout: 1 }, /dropout/],
    [{ betas: [0.9, 1] }, /betas/],
    [{ warmupRatio: -0.1 }, /warmupRatio/],
    [{ lossWeights: [1, -1] }, /lossWeights/],
    [{ lossWeights: [0, 0] }, /at least one weight > 0/],
    [{ resume: true }, /resume only together with checkpointDir/],
    [{ seed: -1 }, /seed/],
    [{ lrate: 1 }, /invalid lrate.*a known option/],
  ]
  for (const [o, re] of bad) {
    assert.throws(
      () => resolveTrainOptions(o),
      (e) => e instanceof OptionError && re.test(e.message),
      JSON.stringify(o),
    )
  }
})
