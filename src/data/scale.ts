/**
 * Rating scales: '0:4' applies to every attribute; 'helpfulness=0:4,verbosity=1:5' names them; an
 * unnamed entry is the default for the rest ('1:5,verbosity=0:4'). A value outside its scale is a
 * DataError, so a typo such as 44 for 4 is caught instead of being learned.
 *
 * @example
 *   scalesFor(parseScale('0:4,verbosity=1:5'), ['helpfulness', 'verbosity'])
 *   // [{ min: 0, max: 4 }, { min: 1, max: 5 }]
 */

import type { RatingScale } from '../core/targets.ts'
import { OptionError } from '../errors.ts'

export type { RatingScale }

export interface ScaleSpec {
  /** The scale of attributes not named in `byAttribute`; null = unchecked. */
  all: RatingScale | null
  byAttribute: Record<string, RatingScale>
}

const SYNTAX = "'min:max' (e.g. '0:4') or 'name=min:max,...' (e.g. 'helpfulness=0:4,verbosity=0:4')"

export function parseScale(spec: string): ScaleSpec {
  const out: ScaleSpec = { all: null, byAttribute: {} }
  for (const part of spec.split(',')) {
    const entry = part.trim()
    if (entry === '') continue
    const eq = entry.indexOf('=')
    const name = eq >= 0 ? entry.slice(0, eq).trim() : null
    const range = parseRange(eq >= 0 ? entry.slice(eq + 1) : entry, spec)
    if (name === null) {
      if (out.all) throw new OptionError('scale', spec, `one default range at most; ${SYNTAX}`)
      out.all = range
    } else {
      if (name === '') throw new OptionError('scale', spec, `an attribute name before '='; ${SYNTAX}`)
      if (Object.hasOwn(out.byAttribute, name))
        throw new OptionError('scale', spec, `"${name}" named once; it appears twice`)
      // Attribute names are user input: define the key, so "__proto__" is a name and not the prototype.
      Object.defineProperty(out.byAttribute, name, {
        value: range,
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
  }
  if (!out.all && Object.keys(out.byAttribute).length === 0) throw new OptionError('scale', spec, SYNTAX)
  return out
}

function parseRange(text: string, spec: string): RatingScale {
  // Split on the last ':' that follows a digit, so '-1:1' and '-2:-1' both parse.
  const m = /^\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*:\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/i.exec(text)
  if (!m)
    throw new OptionError(
      'scale',
      spec,
      `ranges written as min:max with numbers; '${text.trim()}' is not one. ${SYNTAX}`,
    )
  const min = Number(m[1])
  const max = Number(m[2])
  if (!(min < max)) throw new OptionError('scale', spec, `min < max in every range; '${text.trim()}' has min >= max`)
  return { min, max }
}

/** One scale (or null) per attribute, in order. Names in the spec that are not attributes are an error. */
export function scalesFor(spec: ScaleSpec | null, attributes: readonly string[]): (RatingScale | null)[] {
  if (!spec) return attributes.map(() => null)
  for (const name of Object.keys(spec.byAttribute)) {
    if (!attributes.includes(name)) {
      throw new OptionError('scale', name, `one of the target attributes: ${attributes.join(', ')}`)
    }
  }
  return attributes.map((a) => (Object.hasOwn(spec.byAttribute, a) ? spec.byAttribute[a] : spec.all))
}

/** '0:4' or 'a=0:4,b=1:5': the inverse of parseScale for messages and --help. */
export function formatScale(spec: ScaleSpec): string {
  const parts = Object.entries(spec.byAttribute).map(([a, r]) => `${a}=${r.min}:${r.max}`)
  if (spec.all) parts.unshift(`${spec.all.min}:${spec.all.max}`)
  return parts.join(',')
}
