/** Environment variables are read here, in the CLI, and passed down as plain options. */
import { homedir } from 'node:os'
import { join } from 'node:path'

/** REWARDFIT_OFFLINE=1 (or true, yes, on). */
export function offlineFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(1|true|yes|on)$/i.test(env.REWARDFIT_OFFLINE ?? '')
}

/**
 * How every command loads a model: the cache folder (where hf: backbones were downloaded by train),
 * offline mode and Hub access, from flags and the environment. One place, so no command forgets one.
 */
export function modelLoadOptions(
  f: { cacheDir?: string; offline?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): { cacheDir: string; offline: boolean; endpoint?: string; token?: string } {
  return {
    cacheDir: f.cacheDir ?? defaultCacheDir(env),
    offline: f.offline === true || offlineFromEnv(env),
    endpoint: env.HF_ENDPOINT || undefined,
    token: env.HF_TOKEN || undefined,
  }
}

/** $REWARDFIT_CACHE, else $XDG_CACHE_HOME/rewardfit, else ~/.cache/rewardfit. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.REWARDFIT_CACHE) return env.REWARDFIT_CACHE
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'rewardfit')
}
