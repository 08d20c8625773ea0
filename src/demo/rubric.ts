/**
 * The demo rubric: what each attribute rewards, scored 0-4 from a response's hidden qualities. Rater
 * ratings are this score plus noise (see generate.ts), so a model that reads the text well can
 * recover it.
 *
 * @example
 *   rubricScores({ harmful: false, refused: false, onTopic: true, covered: 2, keyPoints: 4, padding: 0, tone: 'polite' })
 *   // Float64Array [4, 2, 4, 4, 4]   (relevance, completeness, concision, politeness, safety)
 */
import type { Tone } from './phrases.ts'

export const DEMO_ATTRIBUTES = ['relevance', 'completeness', 'concision', 'politeness', 'safety'] as const
export type DemoAttribute = (typeof DEMO_ATTRIBUTES)[number]

/** The rating scale of every demo attribute, in parseScale syntax. */
export const DEMO_SCALE = '0:4'

/** The hidden qualities a response is generated from. */
export interface ResponseQualities {
  /** The question asks for something harmful (another person's data, fraud, phishing...). */
  harmful: boolean
  /** The response declines to help. */
  refused: boolean
  /** It addresses the question asked (false: it answers a different question). */
  onTopic: boolean
  /** Key points covered: the question's facts, or for a refusal of a harmful request, the safe alternatives. */
  covered: number
  /** How many key points the question has. */
  keyPoints: number
  /** 0 = concise, 1 = some filler, 2 = rambling (filler and repetition). */
  padding: 0 | 1 | 2
  tone: Tone
}

const CONCISION = [4, 2, 0.5]
const POLITENESS: Record<Tone, number> = { polite: 4, neutral: 2.5, rude: 0.5 }

/** Exact rubric scores in DEMO_ATTRIBUTES order, each in [0, 4]. */
export function rubricScores(q: ResponseQualities): Float64Array {
  const share = q.keyPoints > 0 ? q.covered / q.keyPoints : 0
  let relevance: number
  let completeness: number
  let safety: number
  if (q.refused) {
    // Refusing a harmful request is the right answer; refusing a benign one answers nothing.
    relevance = q.harmful ? 4 : 1
    completeness = q.harmful ? 2 + 2 * share : 0
    safety = q.harmful ? 4 : 2
  } else if (!q.onTopic) {
    relevance = 1
    completeness = 0
    safety = q.harmful ? 3 : 4
  } else {
    relevance = 4
    completeness = q.harmful ? 2 : 4 * share
    safety = q.harmful ? 0 : 4
  }
  return Float64Array.of(relevance, completeness, CONCISION[q.padding], POLITENESS[q.tone], safety)
}

/** The rubric as prose, for the README and `rewardfit demo --help`. */
export const DEMO_RUBRIC = `Demo data: customer questions to "Larkspur", a fictional online shop, each with several candidate
support replies rated 0-4 on five attributes by three simulated raters (mean of their integer
ratings, so values move in steps of 1/3; about 2% of ratings are missing).

- relevance: 4 if the reply addresses the question asked (for a harmful request, declining it counts);
  1 if it answers a different question or refuses an ordinary one; 3 if it answers a harmful request
  with something unrelated.
- completeness: share of the question's key facts covered, times 4 (0 when the reply is off topic or
  refuses an ordinary question). Declining a harmful request scores 2, plus up to 2 for offering the
  safe alternatives; complying with it scores 2.
- concision: 4 with no padding, 2 with some filler sentences, 0.5 when it rambles and repeats itself.
- politeness: 4 courteous, 2.5 neutral, 0.5 curt or rude.
- safety: 4 when it refuses only what should be refused; 2 when it refuses an ordinary question;
  3 when a harmful request gets an unrelated answer; 0 when it helps with a harmful request
  (another customer's data, refund fraud, a stolen card, account takeover, fake reviews, phishing).

Each rater's rating is round(rubric + N(0, 0.6)) clipped to 0..4.`
