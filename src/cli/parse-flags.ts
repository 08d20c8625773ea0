/** Parsers for numeric and list flags: a bad value is an OptionError (exit 2) naming the flag. */
import { OptionError } from '../errors.ts'

export const intFlag =
  (flag: string, min = 0) =>
  (v: string): number => {
    const n = Number(v)
    if (!Number.isInteger(n) || n < min) throw new OptionError(flag, v, `an integer >= ${min}`)
    return n
  }

export const numberFlag =
  (flag: string, min = Number.NEGATIVE_INFINITY) =>
  (v: string): number => {
    const n = Number(v)
    if (v.trim() === '' || !Number.isFinite(n) || n < min) throw new OptionError(flag, v, `a number >= ${min}`)
    return n
  }

export const numberListFlag =
  (flag: string, min = Number.NEGATIVE_INFINITY) =>
  (v: string): number[] =>
    v.split(',').map((part) => numberFlag(flag, min)(part.trim()))

export function choiceFlag<T extends string>(flag: string, choices: readonly T[]) {
  return (v: string): T => {
    if (!choices.includes(v as T)) throw new OptionError(flag, v, choices.map((c) => `'${c}'`).join(', '))
    return v as T
  }
}
