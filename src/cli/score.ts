/** Placeholder: the `score` command is being built; it is replaced, not extended. */
import type { Command } from 'commander'
import { RewardfitError } from '../errors.ts'

export function registerScoreCommand(program: Command): void {
  program
    .command('score')
    .description('(not available yet)')
    .allowUnknownOption()
    .action(() => {
      throw new RewardfitError('the score command is not available in this build yet')
    })
}
