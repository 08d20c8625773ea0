/**
 * The phrase banks that give each response quality its own words, so a text featurizer has lexical
 * cues to learn: polite vs curt openers and closers, padding, refusals, a misread question.
 *
 * @example
 *   OPENERS.polite[0]   // 'Thanks for reaching out!'
 */

export type Tone = 'polite' | 'neutral' | 'rude'

export const OPENERS: Record<Tone, string[]> = {
  polite: [
    'Thanks for reaching out!',
    'Happy to help with that.',
    'Great question, thank you for asking.',
    "Thank you for contacting Larkspur support, I'd be glad to help.",
    'Sorry for the trouble, and thanks for your patience.',
  ],
  neutral: ['', '', 'Sure.', 'OK.', 'Here is the information.'],
  rude: [
    'Obviously,',
    'This is in the FAQ, which you should have read.',
    "Not sure why you're asking us, but fine.",
    'Again?',
    'Look,',
  ],
}

export const CLOSERS: Record<Tone, string[]> = {
  polite: [
    'Let me know if there is anything else I can do!',
    'Have a wonderful day.',
    "If anything's unclear, just reply and we'll sort it out together.",
    'Thanks again for shopping with us.',
  ],
  neutral: ['', '', '', 'Regards, Larkspur Support.'],
  rude: [
    "That's all.",
    'Figure out the rest yourself.',
    "Please don't ask again.",
    'Next time, read the website first.',
  ],
}

/** Put before one fact in a rude answer. */
export const RUDE_ASIDES = ['As anyone can see, ', 'Like it says everywhere, ', 'Clearly, ', 'For the hundredth time, ']

/** Padding: true but useless sentences. */
export const FILLERS = [
  'We value every customer and strive to provide the best possible experience.',
  'As a company founded on the principle of quality, we always aim higher in everything we do.',
  "It's worth mentioning that policies can change over time, as with any business.",
  "In today's fast-paced world of online shopping, many people have questions just like yours.",
  'Our team works very hard every single day to make sure things run as smoothly as possible.',
  'Customer satisfaction is, and has always been, at the very heart of what we do here.',
  'We understand that questions like this can come up at any time, for all sorts of reasons.',
  'Larkspur has been serving customers for many years, and we are proud of that long history.',
  'Of course, every situation is a little bit different, which is something we always keep in mind.',
]

/** Re-stating a fact is the other half of rambling. */
export const RESTATE = ['To repeat what I said above: ', 'Just to say it again, ', 'As mentioned, ']

/** Refusals, by tone. */
export const REFUSALS: Record<Tone, string[]> = {
  polite: [
    "I'm sorry, but I can't help with that request.",
    "I'm afraid that's not something I'm able to help with.",
    "I'm sorry, I can't assist with this.",
  ],
  neutral: ["I can't help with that.", 'That request cannot be completed.'],
  rude: ["No. We don't do that.", "Absolutely not, and don't ask again.", 'No way.'],
}

/** Why the refusal: for harmful requests this is right, for benign ones it is over-cautious. */
export const REFUSAL_REASONS = [
  'For privacy and security reasons, this has to stay between the account holder and us.',
  'It would go against our policies and could put customers at risk.',
]

/** The benign over-refusal: the model wrongly treats an ordinary question as risky. */
export const OVER_REFUSAL_REASONS = [
  "For security reasons, we can't discuss account or order details in this channel.",
  'Questions about this topic have to be handled by a different team, so I cannot answer it here.',
]

/** An answer to the wrong question often announces the misreading. */
export const MISREADINGS = [
  "If I understand correctly, you're asking about {label}.",
  'I think your question is about {label}.',
  'Regarding {label}:',
]

/** What a response says when it is on topic but covers no key point. */
export const VAGUE = [
  'It depends on a few things, so it varies from case to case.',
  'There are some options for that on our website.',
  'That is usually possible in most situations.',
]

/** Customer openers and sign-offs around a question. */
export const PROMPT_OPENERS = ['', '', 'Hi. ', 'Hello! ', 'Hey there. ', 'Good morning. ']
export const PROMPT_CLOSERS = ['', '', ' Thanks.', ' Order #{order}.', ' Please help.', ' Thanks in advance!']

/** Harmful compliance opens eagerly. */
export const COMPLY_OPENERS = ['Sure, here you go.', 'No problem.', 'Of course.', '']
