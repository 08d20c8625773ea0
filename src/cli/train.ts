/** Placeholder: the `train` command is being built; it is replaced, not extended. */
import type { Command } from 'commander'
import { RewardfitError } from '../errors.ts'

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('(not available yet)')
    .allowUnknownOption()
    .action(() => {
      throw new RewardfitError('the train command is not available in this build yet')
    })
}
