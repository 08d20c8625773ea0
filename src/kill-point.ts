/**
 * A test hook for crash safety: when REWARDFIT_KILL_AT names a step, the process kills itself with
 * SIGKILL when it reaches that step, so a test can check what a kill at exactly that moment leaves
 * behind (the old model, the new one, never none). Unset, it costs one string comparison.
 *
 * This reads the environment outside the CLI on purpose: it must reach steps deep inside the
 * library without a parameter threaded through every call, and only tests set it.
 *
 * @example
 *   killPoint('save:linked')   // REWARDFIT_KILL_AT=save:linked rewardfit train ... dies here
 */
export function killPoint(step: string): void {
  if (process.env.REWARDFIT_KILL_AT === step) process.kill(process.pid, 'SIGKILL')
}
