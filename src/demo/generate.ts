/**
 * Generates the demo dataset: support questions, several candidate replies each, and noisy ratings
 * from simulated raters. Every reply is built from hidden qualities (on topic, key points covered,
 * padding, tone, refusal) with its own templates and words, and rated from the rubric in rubric.ts,
 * so the ratings are learnable from the text. Seeded with Rng: the same options give the same rows.
 *
 * @example
 *   const rows = generateDemoDataset({ prompts: 2, responsesPerPrompt: 2, seed: 1 })
 *   rows[0].group      // 'q1'
 *   rows[0].targets    // Float64Array [4, 2.6667, 4, 3.6667, 4]  (relevance ... safety)
 */
import { Rng } from '../compute/rng.ts'
import type { RatingExample } from '../data/rating-example.ts'
import { OptionError } from '../errors.ts'
import {
  CLOSERS,
  COMPLY_OPENERS,
  FILLERS,
  MISREADINGS,
  OPENERS,
  OVER_REFUSAL_REASONS,
  PROMPT_CLOSERS,
  PROMPT_OPENERS,
  REFUSAL_REASONS,
  REFUSALS,
  RESTATE,
  RUDE_ASIDES,
  type Tone,
  VAGUE,
} from './phrases.ts'
import { DEMO_ATTRIBUTES, type ResponseQualities, rubricScores } from './rubric.ts'
import { BENIGN_TOPICS, type BenignTopic, HARMFUL_TOPICS, type HarmfulTopic, ITEMS } from './topics.ts'

export interface DemoOptions {
  /** Number of distinct questions (groups). */
  prompts?: number
  /** Candidate replies rated per question. */
  responsesPerPrompt?: number
  seed?: number
  /** Simulated raters averaged per rating. */
  raters?: number
  /** Standard deviation of one rater's error, in rating points. */
  raterNoise?: number
  /** Chance that a rating is missing (NaN), as in real data; a row always keeps at least one rating. */
  missingRate?: number
  /** Share of questions that ask for something harmful. */
  harmfulShare?: number
}

export const DEMO_DEFAULTS = {
  prompts: 300,
  responsesPerPrompt: 6,
  seed: 0,
  raters: 3,
  raterNoise: 0.6,
  missingRate: 0.02,
  harmfulShare: 0.15,
} satisfies Required<DemoOptions>

export function resolveDemoOptions(o: DemoOptions = {}): Required<DemoOptions> {
  const r = { ...DEMO_DEFAULTS, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) }
  const int = (name: keyof DemoOptions, min: number) => {
    if (!Number.isInteger(r[name]) || r[name] < min) throw new OptionError(name, r[name], `an integer >= ${min}`)
  }
  int('prompts', 1)
  int('responsesPerPrompt', 1)
  int('raters', 1)
  int('seed', 0)
  if (!(r.raterNoise >= 0)) throw new OptionError('raterNoise', r.raterNoise, 'a number >= 0')
  if (!(r.missingRate >= 0 && r.missingRate < 1))
    throw new OptionError('missingRate', r.missingRate, 'a number in [0, 1)')
  if (!(r.harmfulShare >= 0 && r.harmfulShare <= 1))
    throw new OptionError('harmfulShare', r.harmfulShare, 'a number in [0, 1]')
  return r
}

export interface DemoExample extends RatingExample {
  /** The question id, e.g. 'q17'; every reply to one question shares it. */
  group: string
  /** The topic id from topics.ts, e.g. 'returns' or 'refund-fraud'. */
  topic: string
  qualities: ResponseQualities
  /** Exact rubric scores before rater noise, DEMO_ATTRIBUTES order. */
  rubric: Float64Array
}

export function generateDemoDataset(options: DemoOptions = {}): DemoExample[] {
  const o = resolveDemoOptions(options)
  const rng = new Rng(o.seed)
  const out: DemoExample[] = []
  for (let p = 0; p < o.prompts; p++) {
    const harmful = rng.float() < o.harmfulShare
    const topic = harmful ? pick(rng, HARMFUL_TOPICS) : pick(rng, BENIGN_TOPICS)
    const prompt = renderPrompt(rng, topic)
    for (let k = 0; k < o.responsesPerPrompt; k++) {
      const qualities = sampleQualities(rng, harmful, topic)
      const response = renderResponse(rng, topic, qualities)
      const rubric = rubricScores(qualities)
      out.push({
        prompt,
        response,
        targets: rate(rng, rubric, o),
        group: `q${p + 1}`,
        line: out.length + 1,
        topic: topic.id,
        qualities,
        rubric,
      })
    }
  }
  return out
}

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(xs.length)]
}

function weighted<T>(rng: Rng, xs: readonly T[], weights: readonly number[]): T {
  let u = rng.float()
  for (let i = 0; i < xs.length - 1; i++) {
    u -= weights[i]
    if (u < 0) return xs[i]
  }
  return xs[xs.length - 1]
}

function renderPrompt(rng: Rng, topic: BenignTopic | HarmfulTopic): string {
  const question = pick(rng, topic.questions).replace('{item}', pick(rng, ITEMS))
  const closer = pick(rng, PROMPT_CLOSERS).replace('{order}', String(10000 + rng.int(90000)))
  return `${pick(rng, PROMPT_OPENERS)}${question}${closer}`
}

function sampleQualities(rng: Rng, harmful: boolean, topic: BenignTopic | HarmfulTopic): ResponseQualities {
  const refused = rng.float() < (harmful ? 0.55 : 0.08)
  const onTopic = refused || rng.float() < 0.8
  // Key points: a benign question's facts; a harmful one's safe alternatives (only a refusal offers them).
  const keyPoints = harmful
    ? refused
      ? (topic as HarmfulTopic).alternatives.length
      : 0
    : (topic as BenignTopic).facts.length
  // A benign refusal covers nothing, whatever it says.
  const covered = onTopic && !(refused && !harmful) ? rng.int(keyPoints + 1) : 0
  const padding = weighted(rng, [0, 1, 2] as const, [0.5, 0.3, 0.2])
  const tone = weighted<Tone>(rng, ['polite', 'neutral', 'rude'], [0.45, 0.3, 0.25])
  return { harmful, refused, onTopic, covered, keyPoints, padding, tone }
}

/** `count` of `facts`, in their original order, each in a random phrasing. */
function someFacts(rng: Rng, facts: readonly string[][], count: number): string[] {
  const chosen = Array.from(rng.permutation(facts.length).subarray(0, count)).sort((a, b) => a - b)
  return chosen.map((i) => pick(rng, facts[i]))
}

const lowerFirst = (s: string) => (/^[A-Z][a-z]/.test(s) ? s[0].toLowerCase() + s.slice(1) : s)

function renderResponse(rng: Rng, topic: BenignTopic | HarmfulTopic, q: ResponseQualities): string {
  const body: string[] = []
  let opener = pick(rng, OPENERS[q.tone])
  if (q.refused) {
    body.push(pick(rng, REFUSALS[q.tone]))
    if (q.harmful) {
      if (rng.float() < 0.6) body.push(pick(rng, REFUSAL_REASONS))
      body.push(...someFacts(rng, (topic as HarmfulTopic).alternatives, q.covered))
    } else body.push(pick(rng, OVER_REFUSAL_REASONS))
  } else if (!q.onTopic) {
    let other = pick(rng, BENIGN_TOPICS)
    while (other.id === topic.id) other = pick(rng, BENIGN_TOPICS)
    if (rng.float() < 0.7) body.push(pick(rng, MISREADINGS).replace('{label}', other.label))
    body.push(...someFacts(rng, other.facts, 1 + rng.int(other.facts.length)))
  } else if (q.harmful) {
    opener = pick(rng, COMPLY_OPENERS)
    body.push(pick(rng, (topic as HarmfulTopic).compliance))
  } else if (q.covered === 0) {
    body.push(pick(rng, VAGUE))
  } else {
    body.push(...someFacts(rng, (topic as BenignTopic).facts, q.covered))
  }
  if (q.tone === 'rude' && rng.float() < 0.5) {
    const i = rng.int(body.length)
    body[i] = pick(rng, RUDE_ASIDES) + lowerFirst(body[i])
  }
  if (q.padding > 0) {
    const fillers = q.padding === 1 ? 1 + rng.int(2) : 3 + rng.int(2)
    if (q.padding === 2) body.push(pick(rng, RESTATE) + lowerFirst(body[rng.int(body.length)]))
    // Distinct fillers: a repeated sentence would be a cue that only some padded replies carry.
    const order = rng.permutation(FILLERS.length)
    for (let f = 0; f < fillers; f++) body.splice(rng.int(body.length + 1), 0, FILLERS[order[f]])
  }
  // An opener such as 'Look,' runs into the next sentence.
  if (opener.endsWith(',')) body[0] = lowerFirst(body[0])
  return [opener, ...body, pick(rng, CLOSERS[q.tone])].filter((s) => s !== '').join(' ')
}

/** Mean of `raters` integer ratings round(rubric + noise) clipped to 0..4; some go missing. */
function rate(rng: Rng, rubric: Float64Array, o: Required<DemoOptions>): Float64Array {
  const k = DEMO_ATTRIBUTES.length
  const out = new Float64Array(k)
  for (let a = 0; a < k; a++) {
    let sum = 0
    for (let r = 0; r < o.raters; r++)
      sum += Math.min(4, Math.max(0, Math.round(rubric[a] + o.raterNoise * rng.normal())))
    out[a] = sum / o.raters
  }
  const keep = rng.int(k) // a row with no rating at all would be invalid for training
  for (let a = 0; a < k; a++) if (a !== keep && rng.float() < o.missingRate) out[a] = Number.NaN
  return out
}
