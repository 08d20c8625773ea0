/** Placeholder: the `demo` command is being built; it is replaced, not extended. */
import type { Command } from 'commander'
import { RewardfitError } from '../errors.ts'

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('(not available yet)')
    .allowUnknownOption()
    .action(() => {
      throw new RewardfitError('the demo command is not available in this build yet')
    })
}
