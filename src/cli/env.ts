/** Environment variables are read here, in the CLI, and passed down as plain options. */
import { homedir } from 'node:os'
import { join } from 'node:path'

/** $REWARDFIT_CACHE, else $XDG_CACHE_HOME/rewardfit, else ~/.cache/rewardfit. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.REWARDFIT_CACHE) return env.REWARDFIT_CACHE
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'rewardfit')
}
