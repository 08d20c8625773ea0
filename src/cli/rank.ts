/** Placeholder: the `rank` command is being built (see the open issues); it is replaced, not extended. */
import type { Command } from 'commander'
import { RewardfitError } from '../errors.ts'

export function registerRankCommand(program: Command): void {
  program
    .command('rank')
    .description('(not available yet)')
    .allowUnknownOption()
    .action(() => {
      throw new RewardfitError('the rank command is not available in this build yet')
    })
}
