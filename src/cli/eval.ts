/** Placeholder: the `eval` command is being built (see the open issues); it is replaced, not extended. */
import type { Command } from 'commander'
import { RewardfitError } from '../errors.ts'

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('(not available yet)')
    .allowUnknownOption()
    .action(() => {
      throw new RewardfitError('the eval command is not available in this build yet')
    })
}
