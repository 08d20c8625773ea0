/**
 * The reward server as a fastify instance, built for one model and not yet listening
 * (cli/serve.ts binds the port; tests call `app.inject`).
 *
 *   POST /v1/score    {"items": [{"prompt", "response", "features"?}]} → {"rewards": [r], "scores": [{NAME: s}]}
 *   POST /get_reward  {"query": [prompt+response], "prompts"?: [p]} → {"rewards": [r], "scores": [r]}  (OpenRLHF)
 *   POST /v1/rank     {"prompt", "responses": [y], "top_k"?: n, "by"?: "mean"|"lcb"} → {"ranking": [{rank, index, response, reward, scores}]}
 *   GET  /v1/model, /v1/model/files/{config.json,head.safetensors}, /healthz, /metrics, / (the page)
 *
 * Scoring requests go through one MicroBatcher, so requests that arrive together share a
 * featurize-and-head call. Every error leaves through errorResponse (http-errors.ts).
 *
 * @example
 *   const app = buildServer(model, { maxItems: 64 })
 *   const res = await app.inject({ method: 'POST', url: '/v1/score', payload: { items: [{ prompt: 'Hi', response: 'Hello!' }] } })
 *   res.json()   // { rewards: [3.1], scores: [{ helpfulness: 3.1 }] }
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import { encodeSafetensors } from '../core/safetensors.ts'
import type { TextPair } from '../featurize/featurizer.ts'
import { modelCard } from '../model/model-card.ts'
import type { RewardModel, Scored } from '../model/reward-model.ts'
import { appendSideFeatures } from '../model/side-features.ts'
import { FeaturizePool } from './featurize-pool.ts'
import { errorResponse, HttpError } from './http-errors.ts'
import { guardHttpServer, httpServerOptions } from './http-guards.ts'
import { parseJsonBody } from './json-body.ts'
import { ServerMetrics } from './metrics.ts'
import { type BatchStats, MicroBatcher } from './micro-batcher.ts'
import { autoFeaturizeWorkers, type ResolvedServeOptions, resolveServeOptions, type ServeOptions } from './options.ts'
import { PAGE_SCRIPT_PATH, pageHtml } from './page.ts'
import { pageBundle } from './page-bundle.ts'
import { getRewardResponse, rankResponse, scoreResponse } from './responses.ts'
import { checkLimits, getRewardPairs, getRewardRequest, parseBody, rankRequest, scoreRequest } from './schemas.ts'
import { checkFeatureCount, sideFeatureValues } from './side-features.ts'

export interface BuildServerOptions extends ServeOptions {
  /** fastify's logger option: false (default, silent), true, or a pino config. */
  logger?: boolean | Record<string, unknown>
  /** The bytes of the model folder's head.safetensors, served as they are by GET /v1/model/files/head.safetensors. */
  headFile?: Uint8Array
}

interface RequestState {
  start: bigint
  items: number
}

const state = new WeakMap<FastifyRequest, RequestState>()
const batchStats = new WeakMap<FastifyInstance, BatchStats>()

/** How many scorer calls, items and requests the server's micro-batcher has handled. */
export function serverBatchStats(app: FastifyInstance): BatchStats {
  const s = batchStats.get(app)
  if (!s) throw new TypeError('serverBatchStats: not an app from buildServer')
  return s
}

const drainers = new WeakMap<FastifyInstance, () => void>()

/** From now on every response of an app from buildServer says "Connection: close" (shutdown has begun). */
export function beginDrain(app: FastifyInstance): void {
  drainers.get(app)?.()
}

const OPEN_ROUTES = new Set(['/healthz'])

export function buildServer(model: RewardModel, options: BuildServerOptions = {}): FastifyInstance {
  const { logger = false, headFile: _headFile, ...serve } = options
  const o: ResolvedServeOptions = resolveServeOptions(serve)
  const app = Fastify({ ...httpServerOptions(o), logger, bodyLimit: o.maxBodyBytes })
  guardHttpServer(app, o)
  // Only JSON bodies: a text/plain body gets 415 instead of reaching the schemas as a string.
  app.removeContentTypeParser('text/plain')
  // Our own JSON parser, so a malformed body's message says what is wrong and where.
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, text, done) => {
    let value: unknown
    try {
      value = parseJsonBody(text as string)
    } catch (err) {
      return done(err as Error, undefined)
    }
    done(null, value)
  })
  const metrics = new ServerMetrics()
  const k = model.attributes.length
  // Side features (--features): the pool featurizes the texts with the backbone, then they are appended.
  const side = model.config.sideFeatures ?? null
  const backboneDim = model.featurizer.dim - (side?.columns.length ?? 0)
  const withSide = (pair: TextPair, given: Record<string, number> | undefined, field: string): TextPair =>
    side ? { ...pair, features: sideFeatureValues(side.columns, given, field) } : pair
  // Workers start with the first batch, so an app that never scores (or a test) spawns none.
  const workers = o.featurizeWorkers === 'auto' ? autoFeaturizeWorkers() : o.featurizeWorkers
  let pool: FeaturizePool | null | undefined
  const scoreBatch = async (pairs: TextPair[]): Promise<Scored> => {
    if (pool === undefined) pool = FeaturizePool.create(model.featurizer.spec, workers, backboneDim)
    if (pool && !pool.broken) {
      try {
        const p = pool
        const backbone = await p.featurize(pairs)
        const x = side ? appendSideFeatures(side, pairs, backbone, backboneDim) : backbone
        // A gating merge also reads each prompt's vector of (prompt, ""); null for other merges.
        const prompts = await model.promptFeatures(pairs, (q) => p.featurize(q))
        return model.scoreFeatures({ rows: pairs.length, cols: model.featurizer.dim, data: x }, prompts)
      } catch (err) {
        // A dead worker must not fail requests: featurize in-process from now on.
        app.log.error({ err }, 'featurizer worker failed; featurizing on the main thread from now on')
        pool.broken = true
      }
    }
    // One call per batch: batchSize = the whole batch, so featurizer and head see it at once.
    return model.score(pairs, Math.max(1, pairs.length))
  }
  const batcher = new MicroBatcher(
    scoreBatch,
    k,
    { waitMs: o.batchWaitMs, maxBatchItems: o.maxBatchItems, maxInFlight: o.batchesInFlight },
    (n) => metrics.observeBatch(n),
  )
  batchStats.set(app, batcher.stats)
  const keyDigest = o.apiKey === null ? null : createHash('sha256').update(o.apiKey).digest()

  app.addHook('onRequest', async (req, reply) => {
    state.set(req, { start: process.hrtime.bigint(), items: 0 })
    if (keyDigest === null || OPEN_ROUTES.has(req.routeOptions.url ?? '')) return
    const header = req.headers.authorization
    const m = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null
    reply.header('www-authenticate', 'Bearer')
    if (!m)
      throw new HttpError(
        401,
        "missing or malformed Authorization header; send 'Authorization: Bearer <api key>'",
        'authorization',
      )
    // Compare digests in constant time, so the response time does not leak the key.
    if (!timingSafeEqual(createHash('sha256').update(m[1]).digest(), keyDigest))
      throw new HttpError(401, 'wrong API key', 'authorization')
  })

  app.addHook('onResponse', async (req, reply) => {
    const s = state.get(req)
    if (!s) return
    const seconds = Number(process.hrtime.bigint() - s.start) / 1e9
    metrics.observeRequest(req.routeOptions.url ?? 'unmatched', reply.statusCode, seconds, s.items)
  })

  app.setErrorHandler(async (err, req, reply) => {
    const r = errorResponse(err)
    if (r.internal) req.log.error({ err }, 'request failed')
    return reply.status(r.status).send(r.body)
  })

  app.setNotFoundHandler(async (req, reply) => {
    const r = errorResponse(
      new HttpError(
        404,
        `no route ${req.method} ${req.url.split('?')[0]}; see GET / for the page, POST /v1/score, /v1/rank, /get_reward, GET /v1/model, /healthz, /metrics`,
      ),
    )
    return reply.status(r.status).send(r.body)
  })

  // While draining (listen.ts, on SIGTERM) and closing, answer every request with "Connection: close",
  // so keep-alive sockets end with their response instead of holding the shutdown.
  let closing = false
  drainers.set(app, () => {
    closing = true
  })
  app.addHook('preClose', async () => {
    closing = true
  })
  app.addHook('onSend', async (_req, reply) => {
    if (closing) reply.header('connection', 'close')
  })
  // A listening server starts its workers at once, so the first request does not pay for them.
  app.addHook('onListen', async () => {
    if (pool === undefined) pool = FeaturizePool.create(model.featurizer.spec, workers, backboneDim)
    await pool?.featurize([{ prompt: '', response: 'warm up' }]).catch(() => {})
  })
  app.addHook('onClose', async () => {
    await batcher.drain()
    pool?.close()
  })

  const counted = (req: FastifyRequest, n: number): void => {
    const s = state.get(req)
    if (s) s.items = n
  }

  app.post('/v1/score', async (req) => {
    const { items } = parseBody(scoreRequest, req.body, ['items'], o.maxItems)
    checkLimits(
      'items',
      items.length,
      items.flatMap((it, i) => [
        [`items[${i}].prompt`, it.prompt],
        [`items[${i}].response`, it.response],
      ]),
      o,
    )
    const pairs = items.map((it, i) =>
      withSide({ prompt: it.prompt, response: it.response }, it.features, `items[${i}].features`),
    )
    const scored = await batcher.submit(pairs)
    counted(req, items.length)
    return scoreResponse(model.attributes, scored)
  })

  app.post('/get_reward', async (req) => {
    const body = parseBody(getRewardRequest, req.body, ['query', 'prompts'], o.maxItems)
    checkLimits(
      'query',
      body.query.length,
      [
        ...body.query.map((q, i) => [`query[${i}]`, q] as [string, string]),
        ...(body.prompts ?? []).map((p, i) => [`prompts[${i}]`, p] as [string, string]),
      ],
      o,
    )
    checkFeatureCount(body.features, body.query.length, 'query')
    const { pairs, found } = getRewardPairs(body)
    const scored = await batcher.submit(pairs.map((p, i) => withSide(p, body.features?.[i], `features[${i}]`)))
    counted(req, pairs.length)
    metrics.observePromptNotFound(found.filter((f) => !f).length)
    return getRewardResponse(model.attributes, scored, found)
  })

  app.post('/v1/rank', async (req) => {
    const { prompt, responses, top_k, by, features } = parseBody(rankRequest, req.body, ['responses'], o.maxItems)
    checkLimits(
      'responses',
      responses.length,
      [['prompt', prompt] as [string, string], ...responses.map((r, i) => [`responses[${i}]`, r] as [string, string])],
      o,
    )
    checkFeatureCount(features, responses.length, 'responses')
    const scored = await batcher.submit(
      responses.map((response, i) => withSide({ prompt, response }, features?.[i], `features[${i}]`)),
    )
    counted(req, responses.length)
    return rankResponse(model.attributes, responses, scored, top_k, by)
  })

  const card = modelCard(model.config)
  app.get('/v1/model', async () => card)
  app.get('/v1/model/files/config.json', async () => model.config)
  // The file as saved (with its __metadata__) when the caller read it; for a model built in memory,
  // the encoding saveModelFolder would write.
  let headBytes: Uint8Array | null = options.headFile ?? null
  app.get('/v1/model/files/head.safetensors', async (_req, reply) => {
    // A learned merge's tensors (merge.*) ride in the same file, as saveRewardModel writes them.
    headBytes ??= encodeSafetensors(
      { ...model.head.params, ...model.merge.params },
      { format: 'pt', rewardfit_head: model.config.head.type },
    )
    return reply
      .type('application/octet-stream')
      .send(Buffer.from(headBytes.buffer, headBytes.byteOffset, headBytes.byteLength))
  })
  let uncertaintyBytes: Uint8Array | null = null
  app.get('/v1/model/files/uncertainty.safetensors', async (_req, reply) => {
    const u = model.uncertainty
    if (!u) return reply.code(404).send({ error: { message: 'this model has no uncertainty', field: null } })
    uncertaintyBytes ??= encodeSafetensors(u.params, { rewardfit: 'uncertainty' })
    return reply
      .type('application/octet-stream')
      .send(Buffer.from(uncertaintyBytes.buffer, uncertaintyBytes.byteOffset, uncertaintyBytes.byteLength))
  })
  app.get('/healthz', async () => ({ status: 'ok' }))
  app.get('/metrics', async (_req, reply) =>
    reply.type('text/plain; version=0.0.4; charset=utf-8').send(metrics.render()),
  )
  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(pageHtml()))
  app.get(PAGE_SCRIPT_PATH, async (_req, reply) =>
    reply.type('text/javascript; charset=utf-8').send(await pageBundle()),
  )
  return app
}
