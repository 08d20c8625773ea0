/**
 * One small hierarchy of user-facing errors. The CLI prints `message` alone for a RewardfitError
 * (no stack trace) and exits 1, or 2 for an OptionError; anything else is a bug and shows its trace.
 */
import { escapeControl } from './escape-control.ts'

export class RewardfitError extends Error {
  override name = 'RewardfitError'
  constructor(message: string, options?: ErrorOptions) {
    // Messages quote user input (a JSON line, a column name): never let its control bytes reach a terminal.
    super(escapeControl(message), options)
  }
}

/** A bad option value: names the option, the value and what would be valid. */
export class OptionError extends RewardfitError {
  override name = 'OptionError'
  constructor(
    readonly option: string,
    readonly value: unknown,
    expected: string,
    options?: ErrorOptions,
  ) {
    super(`invalid ${option}: ${JSON.stringify(value)}; expected ${expected}`, options)
  }
}

/** Bad input data: names the file, the line (1-based) or row, the field and the fix. */
export class DataError extends RewardfitError {
  override name = 'DataError'
  constructor(
    message: string,
    readonly where: { file?: string; line?: number; row?: number; field?: string } = {},
    options?: ErrorOptions,
  ) {
    const at = [
      where.file,
      where.line !== undefined ? `line ${where.line}` : undefined,
      where.row !== undefined ? `row ${where.row}` : undefined,
      where.field !== undefined ? `field "${where.field}"` : undefined,
    ]
      .filter((x) => x !== undefined)
      .join(', ')
    super(at ? `${at}: ${message}` : message, options)
  }
}

/** A model folder that is missing a file, has a wrong shape or an unsupported format version. */
export class ModelFolderError extends RewardfitError {
  override name = 'ModelFolderError'
  constructor(
    readonly folder: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`model folder ${folder}: ${message}`, options)
  }
}

/** A method that needs a fitted model was called before fit (sklearn's NotFittedError). */
export class NotFittedError extends RewardfitError {
  override name = 'NotFittedError'
}
