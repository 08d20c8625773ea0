/**
 * How the CLI ends: 0 ok, 1 failure, 2 usage error. A user's mistake (any RewardfitError) prints
 * one clear line; only --verbose shows the stack trace. Anything else is a bug and shows its trace.
 */
import { CommanderError } from 'commander'
import { OptionError, RewardfitError } from '../errors.ts'

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const

export function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage
  if (err instanceof OptionError) return EXIT.usage
  return EXIT.failure
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
  write(`error: ${verbose ? (e?.stack ?? String(err)) : (e?.message ?? String(err))}\n`)
  if (!verbose && !(err instanceof RewardfitError)) write('(run with --verbose for the stack trace)\n')
  let cause = (err as { cause?: unknown })?.cause
  while (verbose && cause) {
    write(`caused by: ${(cause as Error).stack ?? String(cause)}\n`)
    cause = (cause as { cause?: unknown }).cause
  }
  return code
}
