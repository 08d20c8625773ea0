/**
 * Word tokenization shared by the hashing featurizer: NFKC, lowercase, then runs of letters, marks
 * and digits. Browser-safe (no Node imports).
 *
 * @example
 *   tokenizeWords('Ärger im Café — 3 mal!')   // ['ärger', 'im', 'café', '3', 'mal']
 */

// \p{M} keeps combining marks inside the word (Devanagari, Thai vowel signs). Punctuation and
// whitespace separate words. Measured 20-40x faster than Intl.Segmenter('word') on the HANNA stories,
// and unlike the segmenter it does not depend on the ICU data the runtime ships with.
const WORD = /[\p{L}\p{M}\p{N}]+/gu
const NON_ASCII = /[\u0080-\uffff]/

/** NFKC-normalized, lowercased text; ASCII input skips the (costly, identity) normalization. */
export function normalizeText(text: string): string {
  return (NON_ASCII.test(text) ? text.normalize('NFKC') : text).toLowerCase()
}

/** Words of `text` after normalizeText, in order. */
export function tokenizeWords(text: string): string[] {
  return normalizeText(text).match(WORD) ?? []
}
