/**
 * The hashing featurizer's rules in words and numbers, written into config.json (featurizerRules)
 * so the vectors can be rebuilt outside Node (the README's "The hashing featurizer, exactly" says
 * the same at length). hashing-spec.test.ts reimplements the featurizer from these rules alone.
 *
 * @example
 *   hashingRules(createHashingFeaturizer({ dim: 1024 }).spec).layout
 *   // { promptBlock: [0, 253], responseBlock: [253, 1011], interactionBlock: [1011, 1024] }
 */
import { FEATURIZER_VERSION, HASH_SEEDS, type HashingOptions, INTERACTION_FEATURES } from './hashing.ts'

export function hashingRules(spec: Required<HashingOptions>) {
  const interactions = spec.interactions ? INTERACTION_FEATURES.length : 0
  const hashed = spec.dim - interactions
  const prompt = Math.round(hashed * spec.promptShare)
  return {
    version: FEATURIZER_VERSION,
    layout: {
      promptBlock: [0, prompt],
      responseBlock: [prompt, hashed],
      interactionBlock: [hashed, spec.dim],
    },
    tokenize:
      'NFKC-normalize the text if it has any code unit >= 0x80, lowercase it (locale-free), then words are ' +
      'the maximal runs of Unicode letters, marks and digits (/[\\p{L}\\p{M}\\p{N}]+/u)',
    hash: 'MurmurHash3_x86_32 of the UTF-16LE bytes of a string (Python: mmh3.hash(s.encode("utf-16-le"), seed, signed=False))',
    seeds: { word: HASH_SEEDS.word, ngram: HASH_SEEDS.ngram, char: HASH_SEEDS.char },
    wordNgrams:
      'a word hashes as hash(word, seeds.word); an n-gram of words w1..wn as h = hash(w1), then for each next ' +
      'word h = MurmurHash3_x86_32(uint32le(h) + uint32le(hash(wi)), seeds.ngram)',
    charNgrams:
      "for each word, the string ' ' + word + ' ' (in UTF-16 code units); for n = charNgramMin..charNgramMax, " +
      'every substring of n code units hashes as hash(s, seeds.char); a padded word of at most n units counts ' +
      'once, whole, and ends the loop over n for that word',
    column: 'each n-gram hash h adds sign to column (h & 0x7fffffff) mod blockWidth, sign = -1 if h >= 2^31 else +1',
    value:
      'value = tf(word count) + charWeight * tf(char count), tf(x) = sign(x) * (1 + ln|x|) if sublinearTf and x != 0, ' +
      'else x; each block is then divided by its L2 norm (unless all zero); float32 output',
    interactions: spec.interactions
      ? {
          weight: spec.interactionWeight,
          names: [...INTERACTION_FEATURES],
          formulas: [
            'ln(1 + prompt code units) / 8',
            'ln(1 + response code units) / 8',
            'ln(1 + prompt words) / 6',
            'ln(1 + response words) / 6',
            '(ln(1 + response code units) - ln(1 + prompt code units)) / 4',
            '(ln(1 + response words) - ln(1 + prompt words)) / 4',
            'response words whose hash is among the prompt word hashes / response words (0 if none)',
            'distinct word hashes shared / distinct prompt word hashes (0 if none)',
            'distinct shared / distinct in the union of both (0 if none)',
            'distinct response word hashes / response words (0 if none)',
            'distinct prompt word hashes / prompt words (0 if none)',
            '1 - distinct response word-bigram hashes / (response words - 1) (0 if under 2 words)',
            'min(response letters per word, 20) / 10, letters = code units of the normalized words (0 if none)',
          ],
          note: 'each value times weight; code units are counted on the raw text, words after tokenize',
        }
      : null,
  }
}
