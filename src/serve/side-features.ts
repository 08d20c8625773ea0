/**
 * Side features over HTTP: a model trained with `--features col1,col2` needs those numbers for every
 * item it scores. A request sends them by name, one object per item (`{"model_scores": 0.4, "length":
 * 12}`), and they become the featurizer's `features` array in the model's column order. A missing or
 * non-numeric column is a 400 naming the item and the column; extra columns are ignored, like unknown
 * body fields. Models without side features ignore `features` altogether.
 *
 * @example
 *   sideFeatureValues(['model_scores'], { model_scores: 0.4 }, 'items[0].features')   // [0.4]
 *   sideFeatureValues(['model_scores'], undefined, 'items[3].features')                // 400, field items[3].features.model_scores
 */
import { HttpError } from './http-errors.ts'

/** The example body fragment for the message: {"a": <number>, "b": <number>}. */
const shape = (columns: readonly string[]) => `{${columns.map((c) => `${JSON.stringify(c)}: <number>`).join(', ')}}`

export function sideFeatureValues(
  columns: readonly string[],
  given: Readonly<Record<string, number>> | undefined,
  field: string,
): number[] {
  return columns.map((c) => {
    // Own keys only: a column named like an Object.prototype member must still be sent.
    const v = given && Object.hasOwn(given, c) ? given[c] : undefined
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new HttpError(
        400,
        `${field}.${c} is ${v === undefined ? 'missing' : 'not a finite number'}: this model was trained with ` +
          `--features ${columns.join(',')}, so every item needs "features": ${shape(columns)}`,
        `${field}.${c}`,
      )
    }
    return v
  })
}

/** The per-item `features` list of /v1/rank and /get_reward must have one object per item. */
export function checkFeatureCount(features: readonly unknown[] | undefined, count: number, list: string): void {
  if (features && features.length !== count) {
    throw new HttpError(
      400,
      `features has ${features.length} entries but ${list} has ${count}; send one features object per entry of ${list}`,
      'features',
    )
  }
}
