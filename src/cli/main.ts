/**
 * The `rewardfit` command line: a thin shell over the library. Each command lives in its own file
 * and registers itself on the program; this file only wires them and maps errors to exit codes.
 */
import { Command } from 'commander'
import { registerDemoCommand } from './demo.ts'
import { EXIT, reportError } from './errors.ts'
import { registerEvalCommand } from './eval.ts'
import { registerFeaturizeCommand } from './featurize.ts'
import { registerMergeCommand } from './merge.ts'
import { registerRankCommand } from './rank.ts'
import { registerScoreCommand } from './score.ts'
import { registerSelectCommand } from './select.ts'
import { registerServeCommand } from './serve.ts'
import { registerTrainCommand } from './train.ts'
import { registerWorkerCommand } from './worker.ts'

export function buildProgram(): Command {
  const program = new Command('rewardfit')
    .description(
      'Train, evaluate and serve reward models from pointwise human ratings (maximizing L_rating = -E[(s - r)^2]).',
    )
    .option('--verbose', 'show stack traces and extra detail')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
  registerTrainCommand(program)
  registerEvalCommand(program)
  registerMergeCommand(program)
  registerScoreCommand(program)
  registerRankCommand(program)
  registerSelectCommand(program)
  registerServeCommand(program)
  registerDemoCommand(program)
  registerFeaturizeCommand(program)
  registerWorkerCommand(program)
  for (const c of program.commands) c.exitOverride().showHelpAfterError('(add --help for usage)')
  return program
}

export async function main(argv: string[] = process.argv): Promise<number> {
  const program = buildProgram()
  try {
    await program.parseAsync(argv)
    return EXIT.ok
  } catch (err) {
    return reportError(err, argv.includes('--verbose'))
  }
}

// Run when executed directly (tsx src/cli/main.ts, node dist/cli/main.js or bin/rewardfit.js).
const invoked = process.argv[1] ?? ''
if (/(^|[/\\])(main\.(ts|js)|rewardfit(\.js)?)$/.test(invoked)) {
  // `rewardfit score ... | head` closes stdout early: that is the reader's choice, not a failure.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT.ok)
    throw e
  })
  main().then((code) => {
    process.exitCode = code
  })
}
