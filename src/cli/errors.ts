/**
 * How the CLI ends: 0 ok, 1 failure, 2 usage error. A user's mistake (any RewardfitError) prints
 * one clear line; only --verbose shows the stack trace. Anything else is a bug and shows its trace.
 */
import { CommanderError } from 'commander'
import { OptionError, RewardfitError } from '../errors.ts'
import { escapeControl } from '../escape-control.ts'

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const

export function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage
  if (err instanceof OptionError) return EXIT.usage
  return EXIT.failure
}

/** Prints a warning on stderr, its control characters escaped (warnings quote input too). */
export function warnOnStderr(message: string): void {
  process.stderr.write(`warning: ${escapeControl(message)}\n`)
}

export function reportError(
  err: unknown,
  verbose: boolean,
  write: (s: string) => void = (s) => process.stderr.write(s),
): number {
  const code = exitCodeFor(err)
  if (err instanceof CommanderError) return code // commander already printed its message
  if (err instanceof RewardfitError && !verbose) {
    write(`error: ${err.message}\n`)
    if (code === EXIT.usage) write('(see --help)\n')
    return code
  }
  const e = err as Error
  // Not every error is ours (a library's message may quote input too): escape before printing.
  write(
    `error: ${escapeControl(verbose ? (e?.stack ?? String(err)) : (e?.message ?? String(err)), { keepNewlines: verbose })}\n`,
  )
  if (!verbose && !(err instanceof RewardfitError)) write('(run with --verbose for the stack trace)\n')
  let cause = (err as { cause?: unknown })?.cause
  while (verbose && cause) {
    write(`caused by: ${escapeControl((cause as Error).stack ?? String(cause), { keepNewlines: true })}\n`)
    cause = (cause as { cause?: unknown }).cause
  }
  return code
}
