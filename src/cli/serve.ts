/** Placeholder: the `serve` command is being built (see the open issues); it is replaced, not extended. */
import type { Command } from 'commander'
import { RewardfitError } from '../errors.ts'

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('(not available yet)')
    .allowUnknownOption()
    .action(() => {
      throw new RewardfitError('the serve command is not available in this build yet')
    })
}
