import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { resolveDataOptions } from '../data/options.ts'
import { readRatingSplits } from '../data/split.ts'
import { loadRewardModel } from '../model/load-model.ts'
import { TRAIN_MODEL_DEFAULTS } from '../pipeline/options.ts'
import { readPairSplits } from '../pipeline/pair-data.ts'

const root = fileURLToPath(new URL('../../', import.meta.url))
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, encoding: 'utf8' })

// Two attributes per reply: `a` rewards on-topic words, `b` rewards length; pairs prefer on-topic replies.
const topics = ['billing', 'shipping', 'returns', 'passwords', 'sizes', 'gift cards', 'warranty', 'stock']
let dir: string
const base = () => ['--data', join(dir, 'ratings.jsonl'), '--targets', 'a,b', '--scale', '0:4', '--quiet']
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rewardfit-train-merge-'))
  const ratings = topics.flatMap((t, i) =>
    [0, 1, 2].flatMap((k) => [
      { prompt: `About ${t} ${k}?`, response: `Here is how ${t} works, step by step.`, a: 4, b: 1 + (i % 2) },
      { prompt: `About ${t} ${k}?`, response: `Long rambling words ${'and more '.repeat(6)}`, a: 0, b: 4 },
      { prompt: `About ${t} ${k}?`, response: 'no', a: 1, b: 0 },
    ]),
  )
  await writeFile(join(dir, 'ratings.jsonl'), ratings.map((r) => JSON.stringify(r)).join('\n'))
  const pairs = topics.flatMap((t) =>
    [0, 1, 2, 3].map((k) => ({
      prompt: `Question ${k} on ${t}?`,
      chosen: `Here is how ${t} works.`,
      rejected: `Long rambling words ${'and more '.repeat(k + 2)}`,
    })),
  )
  await writeFile(join(dir, 'pairs.jsonl'), pairs.map((r) => JSON.stringify(r)).join('\n'))
  await writeFile(
    join(dir, 'rows.jsonl'),
    ratings
      .slice(0, 3)
      .map((r) => JSON.stringify(r))
      .join('\n'),
  )
})
after(() => rm(dir, { recursive: true, force: true }))

test('train --pairs FILE --merge learned: the folder holds the learned merge and score uses it', async () => {
  const out = join(dir, 'learned')
  const r = cli('train', ...base(), '--pairs', join(dir, 'pairs.jsonl'), '--merge', 'learned', '--out', out, '--json')
  assert.equal(r.status, 0, r.stderr)
  const { summary } = JSON.parse(r.stdout)
  assert.equal(summary.merge.type, 'learned-global')
  assert.ok(summary.merge.train.fixed.pairs > 0)
  const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'))
  assert.equal(config.objective.type, 'combined') // --data with --pairs keeps the combined objective
  assert.equal(config.merge.type, 'learned-global')
  assert.equal(config.merge.fit.train.fixed.pairs, summary.merge.train.fixed.pairs)
  assert.ok(config.training, 'training record kept beside the merge')

  const model = await loadRewardModel(out)
  assert.equal(model.merge.spec.type, 'learned-global')
  const rows = (await readFile(join(dir, 'rows.jsonl'), 'utf8')).split('\n').map((l) => JSON.parse(l))
  const ref = await model.score(rows.map((x) => ({ prompt: x.prompt, response: x.response })))
  const fixed = rows.map((_, i) => (ref.scores[2 * i] + ref.scores[2 * i + 1]) / 2)
  assert.ok(
    ref.rewards.some((x, i) => Math.abs(x - fixed[i]) > 1e-6),
    'the learned merge differs from the fixed one',
  )
  const score = cli('score', '--model', out, '--data', join(dir, 'rows.jsonl'))
  assert.equal(score.status, 0, score.stderr)
  const scored = score.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
  assert.equal(scored.length, 3)
  for (const [i, s] of scored.entries()) {
    assert.ok(Math.abs(s.reward - ref.rewards[i]) < 1e-9, `${s.reward} vs ${ref.rewards[i]}`)
  }

  const table = cli(
    'train',
    ...base(),
    '--pairs',
    join(dir, 'pairs.jsonl'),
    '--merge',
    'learned',
    '--out',
    join(dir, 'l2'),
  )
  assert.equal(table.status, 0, table.stderr)
  assert.match(table.stdout, /learned-global merge, step \d+ of \d+ kept[\s\S]*fixed acc/)
})

test('train --pairs-from-ratings --merge gating: rating heads, then a gate fitted on train-split pairs', async () => {
  const out = join(dir, 'gated')
  const r = cli('train', ...base(), '--pairs-from-ratings', '--merge', 'gating', '--out', out, '--json')
  assert.equal(r.status, 0, r.stderr)
  const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'))
  assert.deepEqual(config.attributes, ['a', 'b'])
  assert.equal(config.objective, undefined) // rating heads (no Bradley-Terry head on the derived pairs)
  assert.equal(config.merge.type, 'gating')
})

test('--merge fixed (the default) leaves the folder as before', async () => {
  const a = cli('train', ...base(), '--out', join(dir, 'default'))
  const b = cli('train', ...base(), '--merge', 'fixed', '--out', join(dir, 'fixed'))
  assert.equal(a.status, 0, a.stderr)
  assert.equal(b.status, 0, b.stderr)
  assert.deepEqual((await readdir(join(dir, 'fixed'))).sort(), (await readdir(join(dir, 'default'))).sort())
  const [ca, cb] = await Promise.all(
    ['default', 'fixed'].map(async (d) => JSON.parse(await readFile(join(dir, d, 'config.json'), 'utf8'))),
  )
  assert.equal(cb.merge, undefined)
  for (const c of [ca, cb]) delete c.training.seconds
  assert.deepEqual(cb, ca)
  for (const f of (await readdir(join(dir, 'default'))).filter((n) => n.endsWith('.safetensors')))
    assert.deepEqual(await readFile(join(dir, 'fixed', f)), await readFile(join(dir, 'default', f)))
})

test('--merge learned without pairs is refused with the fix', () => {
  const r = cli('train', ...base(), '--merge', 'learned', '--out', join(dir, 'none'))
  assert.notEqual(r.status, 0)
  assert.match(r.stderr, /merge/)
  assert.doesNotMatch(r.stderr, /\n\s+at /)
})

test('train --merge: the merge fit settings are flags, with the library defaults, and they change the fit', async () => {
  const run = (name: string, ...flags: string[]) => {
    const out = join(dir, name)
    const r = cli('train', ...base(), '--pairs-from-ratings', '--merge', 'gating', '--out', out, ...flags)
    assert.equal(r.status, 0, r.stderr)
    return out
  }
  const config = async (out: string) => JSON.parse(await readFile(join(out, 'config.json'), 'utf8'))
  const head = (out: string) => readFile(join(out, 'head.safetensors'))
  const byDefault = run('fit-default')
  // The defaults written out give the same model, bit for bit (one source of defaults).
  const explicit = run(
    'fit-explicit',
    ...['--merge-epochs', '300', '--merge-lr', '0.02', '--merge-weight-decay', '0.01', '--gate-hidden', '16'],
  )
  assert.deepEqual(await head(explicit), await head(byDefault))
  const d = await config(byDefault)
  assert.equal(d.merge.hidden, 16)
  assert.equal(d.merge.fit.epochs, 300)

  const narrow = await config(run('fit-narrow', '--gate-hidden', '3', '--merge-epochs', '7'))
  assert.equal(narrow.merge.hidden, 3)
  assert.equal(narrow.merge.fit.epochs, 7)
  assert.ok(narrow.merge.fit.bestEpoch <= 7)
  // A larger learning rate moves the learned weights further from the default fit's.
  const fast = await config(run('fit-fast', '--merge-lr', '0.5', '--merge-seed', '3'))
  assert.notDeepEqual(fast.merge.fit.meanWeights, d.merge.fit.meanWeights)
  assert.notDeepEqual(await head(join(dir, 'fit-fast')), await head(byDefault))

  const bad = cli('train', ...base(), '--pairs-from-ratings', '--merge-epochs', '5', '--out', join(dir, 'fit-bad'))
  assert.notEqual(bad.status, 0)
  assert.match(bad.stderr, /merge/)
  assert.doesNotMatch(bad.stderr, /\n\s+at /)
})

test('train --merge gating: the printed val/test pair figures are those of the saved model, as eval reports them', async () => {
  const out = join(dir, 'gated-eval')
  const pairsFile = join(dir, 'pairs.jsonl')
  // A narrow, fast gate so that its weights differ clearly from the fixed 1/2, 1/2.
  const flags = ['--pairs', pairsFile, '--merge', 'gating', '--merge-lr', '0.3', '--val-fraction', '0.25']
  const r = cli('train', ...base(), ...flags, '--test-fraction', '0.25', '--out', out, '--json')
  assert.equal(r.status, 0, r.stderr)
  assert.doesNotMatch(r.stderr, /fixed merge/)
  const { pairMetrics, metrics } = JSON.parse(r.stdout)
  // The run's pair splits, by the same rule and seed as train (prompt groups, seed 42).
  const split = { valFraction: 0.25, testFraction: 0.25, seed: TRAIN_MODEL_DEFAULTS.seed }
  const bySplit: Record<string, unknown[]> = { train: [], val: [], test: [] }
  for await (const p of readPairSplits({ train: pairsFile }, {}, split)) {
    bySplit[p.split].push({ prompt: p.prompt, chosen: p.chosen, rejected: p.rejected })
  }
  const model = await loadRewardModel(out)
  assert.equal(model.merge.spec.type, 'gating')
  for (const name of ['val', 'test'] as const) {
    assert.ok(bySplit[name].length > 0, `${name} has pairs`)
    const file = join(dir, `gated-${name}-pairs.jsonl`)
    await writeFile(file, bySplit[name].map((p) => JSON.stringify(p)).join('\n'))
    const e = cli('eval', '--model', out, '--pairs', file, '--json')
    assert.equal(e.status, 0, e.stderr)
    const evaluated = JSON.parse(e.stdout).pairs
    assert.equal(pairMetrics[name].pairs, bySplit[name].length)
    assert.equal(pairMetrics[name].accuracy, evaluated.accuracy)
    // The margin tells the merges apart even where both order every pair right (train rounds rewards to float32).
    assert.ok(
      Math.abs(pairMetrics[name].mean_margin - evaluated.mean_margin) < 1e-6,
      `${name} mean margin ${pairMetrics[name].mean_margin} vs ${evaluated.mean_margin}`,
    )
  }
  // The fixed merge gives other margins on the same pairs: the figures are the gate's.
  const val = bySplit.val as { prompt: string; chosen: string; rejected: string }[]
  const s = await model.score(
    val.flatMap((p) => [p.chosen, p.rejected].map((response) => ({ prompt: p.prompt, response }))),
  )
  let fixedMargin = 0
  for (let i = 0; i < val.length; i++)
    fixedMargin += (s.scores[4 * i] + s.scores[4 * i + 1] - s.scores[4 * i + 2] - s.scores[4 * i + 3]) / 2
  const gap = Math.abs(fixedMargin / val.length - pairMetrics.val.mean_margin)
  assert.ok(
    gap > 1e-3,
    `the gate differs from 1/2, 1/2 (mean margins ${fixedMargin / val.length} and ${pairMetrics.val.mean_margin})`,
  )

  // The rating figures too: the reward on the validation rows, with the gate, as eval computes it.
  const data = resolveDataOptions({ targetColumns: ['a', 'b'], scale: '0:4' })
  const rows: unknown[] = []
  for await (const e of readRatingSplits({ train: join(dir, 'ratings.jsonl') }, data, split))
    if (e.split === 'val') rows.push({ prompt: e.prompt, response: e.response, a: e.targets[0], b: e.targets[1] })
  const valRows = join(dir, 'gated-val-rows.jsonl')
  await writeFile(valRows, rows.map((x) => JSON.stringify(x)).join('\n'))
  const e = cli('eval', '--model', out, '--data', valRows, '--json')
  assert.equal(e.status, 0, e.stderr)
  const reward = JSON.parse(e.stdout).reward
  assert.equal(metrics.val.reward.n, rows.length)
  for (const key of ['pearson', 'l_rating'])
    assert.ok(
      Math.abs(metrics.val.reward[key] - reward[key]) < 1e-9,
      `${key}: ${metrics.val.reward[key]} vs ${reward[key]}`,
    )
})

test('train --features --merge gating: the gate reads the backbone prompt vector; score and eval agree with train', async () => {
  // `len` is a side column that `b` follows; the gate weighs a and b per prompt from the backbone alone.
  const rated = topics.flatMap((t, i) =>
    [0, 1, 2].flatMap((k) => [
      { prompt: `About ${t} ${k}?`, response: `Here is how ${t} works.`, a: 4, b: 1 + (i % 2), len: 1 + (i % 2) },
      {
        prompt: `About ${t} ${k}?`,
        response: `Long words ${'and more '.repeat(6)}`,
        a: 0,
        b: 3 + (k % 2),
        len: 3 + (k % 2),
      },
      { prompt: `About ${t} ${k}?`, response: 'no', a: 1, b: 0, len: 0 },
    ]),
  )
  const ratingsFile = join(dir, 'side-ratings.jsonl')
  await writeFile(ratingsFile, rated.map((r) => JSON.stringify(r)).join('\n'))
  const out = join(dir, 'gated-side')
  const common = ['--data', ratingsFile, '--targets', 'a,b', '--scale', '0:4', '--features', 'len', '--quiet']
  const flags = ['--pairs-from-ratings', '--merge', 'gating', '--merge-lr', '0.3', '--val-fraction', '0.25']
  const r = cli('train', ...common, ...flags, '--out', out, '--json')
  assert.equal(r.status, 0, r.stderr)
  const { metrics } = JSON.parse(r.stdout)
  const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'))
  assert.deepEqual(config.sideFeatures.columns, ['len'])
  assert.equal(config.merge.type, 'gating')
  // The heads read backbone + side column; the gate the backbone's vector of (prompt, "") only.
  assert.equal(config.head.inputDim, config.merge.inputDim + 1)
  const model = await loadRewardModel(out)
  assert.equal(model.promptFeaturizer.dim, config.merge.inputDim)

  // score: the file's len column goes to the heads, and the gate's weights differ from 1/2, 1/2.
  const rowsFile = join(dir, 'side-rows.jsonl')
  await writeFile(rowsFile, rated.map((x) => JSON.stringify(x)).join('\n'))
  const ref = await model.score(rated.map((x) => ({ prompt: x.prompt, response: x.response, features: [x.len] })))
  const weights = ref.weights as Float64Array
  assert.ok(
    weights.some((w) => Math.abs(w - 0.5) > 1e-3),
    'the gate moved off the fixed weights',
  )
  const score = cli('score', '--model', out, '--data', rowsFile)
  assert.equal(score.status, 0, score.stderr)
  const scored = score.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
  assert.equal(scored.length, rated.length)
  for (const [i, s] of scored.entries()) assert.ok(Math.abs(s.reward - ref.rewards[i]) < 1e-9, `row ${i}`)

  // eval on the run's validation rows reports the figures train printed for them.
  const data = resolveDataOptions({ targetColumns: ['a', 'b'], scale: '0:4', featureColumns: ['len'] })
  const split = { valFraction: 0.25, testFraction: 0, seed: TRAIN_MODEL_DEFAULTS.seed }
  const val: unknown[] = []
  for await (const e of readRatingSplits({ train: ratingsFile }, data, split)) {
    if (e.split !== 'val') continue
    val.push({ prompt: e.prompt, response: e.response, a: e.targets[0], b: e.targets[1], len: e.features?.[0] })
  }
  assert.ok(val.length > 0)
  const valFile = join(dir, 'side-val.jsonl')
  await writeFile(valFile, val.map((x) => JSON.stringify(x)).join('\n'))
  const e = cli('eval', '--model', out, '--data', valFile, '--json')
  assert.equal(e.status, 0, e.stderr)
  const evaluated = JSON.parse(e.stdout)
  assert.equal(metrics.val.reward.n, val.length)
  for (const key of ['pearson', 'l_rating']) {
    assert.ok(
      Math.abs(metrics.val.reward[key] - evaluated.reward[key]) < 1e-9,
      `${key}: ${metrics.val.reward[key]} vs ${evaluated.reward[key]}`,
    )
    assert.ok(Math.abs(metrics.val.attributes.b[key] - evaluated.attributes.b[key]) < 1e-9, `b ${key}`)
  }

  // Pair files carry no side features: learning or evaluating on them says so, with the fix.
  const pairsFile = join(dir, 'pairs.jsonl')
  for (const args of [
    ['merge', '--model', out, '--pairs', pairsFile, '--out', join(dir, 'gated-side-2')],
    ['eval', '--model', out, '--pairs', pairsFile],
    ['train', ...common, '--pairs-from-ratings', '--out', join(dir, 'side-bt')],
  ]) {
    const refused = cli(...args)
    assert.notEqual(refused.status, 0, args[0])
    assert.match(refused.stderr, /side features/)
    assert.doesNotMatch(refused.stderr, /\n\s+at /)
  }
})
