import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { ridgeModel } from '../../test/helpers/ridge-model.ts'
import { matrix } from '../compute/matrix.ts'
import { Rng } from '../compute/rng.ts'
import { matrixSource } from '../core/batch-source.ts'
import { accumulateRidge, fitRidge } from '../fit/ridge.ts'
import { selectFromPool } from '../pipeline/select-pool.ts'
import { fitRidgeUncertainty } from './fit-ridge-uncertainty.ts'
import { selectRows } from './select-rows.ts'

function data(seed: number, n: number, d: number, spread = 1) {
  const rng = new Rng(seed)
  const x = Float32Array.from({ length: n * d }, () => spread * rng.normal())
  const y = Float32Array.from({ length: n }, (_, i) => x[i * d] - x[i * d + 1] + 0.3 * rng.normal())
  return { x, y }
}

async function fitted(x: Float32Array, y: Float32Array, n: number, d: number) {
  const acc = await accumulateRidge(matrixSource(matrix(n, d, x), y, 1))
  const fit = await fitRidge(acc, { alpha: 2 })
  return fitRidgeUncertainty(acc, fit)
}

test("greedy's rank-one update equals refitting with the picked row added (its label does not matter)", async () => {
  const d = 6
  const tr = data(1, 25, d)
  const pool = data(2, 40, d, 2)
  const u = await fitted(tr.x, tr.y, 25, d)
  const px = matrix(40, d, pool.x)
  const picks = await selectRows(u, [1], px, { budget: 2, strategy: 'greedy' })
  const first = picks[0].row
  // Refit with the first pick added (any label: the posterior covariance ignores labels).
  const x2 = new Float32Array(26 * d)
  x2.set(tr.x)
  x2.set(pool.x.subarray(first * d, first * d + d), 25 * d)
  const y2 = Float32Array.from([...tr.y, 123])
  const acc = await accumulateRidge(matrixSource(matrix(26, d, x2), y2, 1))
  const refit = await fitRidgeUncertainty(acc, await fitRidge(acc, { alpha: 2 }))
  const h = await refit.leverage(px)
  let best = -1
  for (let i = 0; i < 40; i++) if (i !== first && (best < 0 || h[i] > h[best])) best = i
  assert.equal(picks[1].row, best)
  const sigma = u.spec.attributes[0].sigma
  const hGreedy = (picks[1].std / sigma) ** 2 - 1
  assert.ok(Math.abs(hGreedy - h[best]) < 1e-5 * (1 + h[best]), `${hGreedy} vs ${h[best]}`)
  assert.ok(picks[1].std < picks[1].stdBefore, 'the pick lowered its neighbour’s std')
})

test('variance fills a batch with near-duplicates of the most uncertain row; greedy takes one', async () => {
  const d = 6
  const tr = data(3, 30, d)
  const u = await fitted(tr.x, tr.y, 30, d)
  // Pool rows away from the training cloud (leverage above 1), and rows 0-4: one farther point and
  // four tiny perturbations of it. Once one of those is rated, its copies are no longer uncertain.
  const pool = data(4, 30, d, 3)
  const rng = new Rng(5)
  for (let c = 0; c < 5; c++) for (let j = 0; j < d; j++) pool.x[c * d + j] = 6 + (c ? 1e-3 * rng.normal() : 0)
  const px = matrix(30, d, pool.x)
  const byVariance = await selectRows(u, [1], px, { budget: 5, strategy: 'variance' })
  assert.deepEqual(byVariance.map((p) => p.row).sort(), [0, 1, 2, 3, 4])
  const byGreedy = await selectRows(u, [1], px, { budget: 5, strategy: 'greedy' })
  assert.equal(byGreedy.filter((p) => p.row < 5).length, 1, JSON.stringify(byGreedy))
  const random = await selectRows(u, [1], px, { budget: 5, strategy: 'random', seed: 1 })
  assert.deepEqual(random, await selectRows(u, [1], px, { budget: 5, strategy: 'random', seed: 1 }))
  await assert.rejects(selectRows(null, [1], px, { budget: 2, strategy: 'greedy' }), /no uncertainty/)
  await assert.rejects(selectRows(u, [1], px, { budget: 0 }), /budget/)
})

test('selectFromPool skips labelled rows and exact duplicates and writes picks in input order with a reason', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rewardfit-select-'))
  try {
    const { model, pairs } = await ridgeModel()
    const fresh = ['a brand new reply', 'another new one here', 'refund refund track', 'sorry no help']
    const pool = [
      pairs[0], // labelled
      { prompt: 'Where is my order?', response: fresh[0] },
      { prompt: 'Where is my order?', response: fresh[1] },
      { prompt: 'Where is my order?', response: fresh[0] }, // duplicate of row 1
      { prompt: 'Where is my order?', response: fresh[2] },
      { prompt: 'Where is my order?', response: fresh[3] },
    ]
    const poolFile = join(dir, 'pool.jsonl')
    await writeFile(poolFile, pool.map((p) => JSON.stringify(p)).join('\n'))
    const labelled = join(dir, 'rated.jsonl')
    await writeFile(labelled, pairs.map((p) => JSON.stringify(p)).join('\n'))
    const r = await selectFromPool(model, poolFile, { budget: 3, strategy: 'greedy', labelled: [labelled] })
    assert.equal(r.poolRows, 6)
    assert.equal(r.skippedLabelled, 1)
    assert.equal(r.skippedDuplicates, 1)
    assert.equal(r.picks.length, 3)
    assert.ok(
      r.picks.every((p, i) => i === 0 || p.index > r.picks[i - 1].index),
      'input order',
    )
    assert.ok(r.picks.every((p) => p.index !== 0 && p.index !== 3))
    assert.deepEqual(r.picks.map((p) => p.pick).sort(), [0, 1, 2])
    assert.match(r.picks[0].reason, /reward std/)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
