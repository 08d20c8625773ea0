/**
 * Attribute weights merge per-attribute scores into one reward: reward = Σ w_a · score_a.
 * With no spec every attribute weighs 1/k (the mean). With a spec, attributes it does not name weigh
 * 0: naming a subset means "reward only these", and a silent default of 1 would let a forgotten
 * attribute dominate. Negative weights are allowed (e.g. penalize verbosity).
 *
 * @example
 *   parseWeights('helpfulness=0.65,correctness=0.8,verbosity=-0.1', ['helpfulness', 'correctness', 'verbosity', 'coherence'])
 *   // [0.65, 0.8, -0.1, 0]
 *   parseWeights(undefined, ['a', 'b'])   // [0.5, 0.5]
 */
import { OptionError } from '../errors.ts'

const SYNTAX = "'name=weight,...' (e.g. 'helpfulness=0.65,verbosity=-0.1')"

export function parseWeights(
  spec: string | Record<string, number> | undefined | null,
  attributes: readonly string[],
): number[] {
  if (attributes.length === 0) throw new OptionError('weights', spec, 'at least one target attribute to weigh')
  if (spec === undefined || spec === null || (typeof spec === 'string' && spec.trim() === '')) {
    return attributes.map(() => 1 / attributes.length)
  }
  // Null prototype: attribute names are user input ("__proto__", "constructor" are valid names).
  const map: Record<string, number> = Object.create(null)
  if (typeof spec === 'string') {
    for (const part of spec.split(',')) {
      const entry = part.trim()
      if (entry === '') continue
      const eq = entry.indexOf('=')
      if (eq <= 0) throw new OptionError('weights', spec, `${SYNTAX}; '${entry}' has no name=`)
      const name = entry.slice(0, eq).trim()
      const text = entry.slice(eq + 1).trim()
      const value = text === '' ? Number.NaN : Number(text)
      if (!Number.isFinite(value))
        throw new OptionError('weights', spec, `a finite number after '${name}='; got '${text}'`)
      if (name in map) throw new OptionError('weights', spec, `"${name}" named once; it appears twice`)
      map[name] = value
    }
  } else Object.assign(map, spec)
  for (const [name, value] of Object.entries(map)) {
    if (!attributes.includes(name)) {
      throw new OptionError('weights', name, `one of the target attributes: ${attributes.join(', ')}`)
    }
    if (!Number.isFinite(value)) throw new OptionError('weights', value, `a finite number for "${name}"`)
  }
  const weights = attributes.map((a) => map[a] ?? 0)
  if (weights.every((w) => w === 0)) {
    throw new OptionError('weights', spec, 'at least one non-zero weight; with all weights 0 the reward is constant')
  }
  return weights
}
