/**
 * Request bodies of the reward server, validated with zod. Unknown fields are ignored (dropped), on
 * every route: clients add fields over time (OpenRLHF sends `labels`), and a misspelled required
 * field is still caught, because the real one is then missing. Size limits depend on the server's
 * options and are checked after parsing (413, not 400).
 *
 * @example
 *   parseBody(scoreRequest, { items: [{ prompt: 'Hi', response: 'Hello!' }] })
 */
import { z } from 'zod'
import type { TextPair } from '../featurize/featurizer.ts'
import { HttpError } from './http-errors.ts'
import type { ResolvedServeOptions } from './options.ts'
import { splitQuery } from './split-query.ts'

/** Numeric side features of one item by column name, for models trained with --features (side-features.ts). */
const sideFeatures = z.record(z.string(), z.number())

/** POST /v1/score */
export const scoreRequest = z.object({
  items: z.array(z.object({ prompt: z.string(), response: z.string(), features: sideFeatures.optional() })).min(1),
})

/**
 * POST /get_reward, as OpenRLHF's remote reward client sends it: `query` holds prompt + response
 * (the prompt possibly cut from the left, see split-query.ts); `labels` and any other field are
 * ignored.
 */
export const getRewardRequest = z.object({
  query: z.array(z.string()).min(1),
  prompts: z.array(z.string()).min(1).optional(),
  /** One side-features object per query (models trained with --features). */
  features: z.array(sideFeatures).optional(),
})

/** POST /v1/rank (best-of-n). */
export const rankRequest = z.object({
  prompt: z.string(),
  responses: z.array(z.string()).min(1),
  top_k: z.number().int().min(1).optional(),
  /** 'lcb' sorts by reward − 1.645·std (needs a model with uncertainty). */
  by: z.enum(['mean', 'lcb']).optional(),
  /** One side-features object per response (models trained with --features). */
  features: z.array(sideFeatures).optional(),
})

/**
 * Validates a parsed body. `lists` are checked against maxItems first: zod reports every bad entry,
 * and 400,000 bad entries would keep the server busy for seconds.
 */
export function parseBody<T extends z.ZodType>(
  schema: T,
  value: unknown,
  lists: string[] = [],
  maxItems = Number.POSITIVE_INFINITY,
): z.infer<T> {
  if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new HttpError(
      400,
      `the body must be a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`,
    )
  }
  for (const field of lists) {
    const list = (value as Record<string, unknown>)[field]
    if (Array.isArray(list) && list.length > maxItems) throw tooManyItems(field, list.length, maxItems)
  }
  // reportInput keeps the offending value in each issue, so messages can say what was sent.
  const r = schema.safeParse(value, { reportInput: true })
  if (!r.success) throw r.error
  return r.data
}

const tooManyItems = (field: string, count: number, max: number): HttpError =>
  new HttpError(
    413,
    `${field} has ${count} entries, more than the limit of ${max}; split the request or start the server with a larger --max-items`,
    field,
  )

/** 413 when a request carries more items, or longer texts, than the server allows. */
export function checkLimits(
  listField: string,
  count: number,
  texts: Iterable<[field: string, text: string]>,
  o: ResolvedServeOptions,
): void {
  if (count > o.maxItems) {
    throw new HttpError(
      413,
      `${listField} has ${count} entries, more than the limit of ${o.maxItems}; split the request or start the server with a larger --max-items`,
      listField,
    )
  }
  for (const [field, text] of texts) {
    if (text.length > o.maxChars) {
      throw new HttpError(
        413,
        `${field} has ${text.length} characters, more than the limit of ${o.maxChars}; shorten it or start the server with a larger --max-chars`,
        field,
      )
    }
  }
}

/**
 * The (prompt, response) pairs of a /get_reward request: the prompt as given in `prompts`, the
 * response split off its query by splitQuery (never refused); `found[i]` is false where the prompt
 * was not found in query[i] and the whole query was scored as the response.
 */
export function getRewardPairs(req: z.infer<typeof getRewardRequest>): { pairs: TextPair[]; found: boolean[] } {
  const { query, prompts } = req
  if (!prompts) return { pairs: query.map((q) => ({ prompt: '', response: q })), found: query.map(() => true) }
  if (prompts.length !== query.length) {
    throw new HttpError(
      400,
      `prompts has ${prompts.length} entries but query has ${query.length}; give one prompt per query or leave prompts out`,
      'prompts',
    )
  }
  const pairs: TextPair[] = []
  const found: boolean[] = []
  query.forEach((q, i) => {
    const split = splitQuery(q, prompts[i])
    pairs.push({ prompt: prompts[i], response: split.response })
    found.push(split.found)
  })
  return { pairs, found }
}
