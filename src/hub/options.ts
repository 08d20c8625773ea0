/**
 * Options for talking to the Hugging Face Hub (or a mirror). Environment variables are read only by
 * `hubOptionsFromEnv`, which the CLI calls; library code takes explicit options.
 *
 * @example
 *   resolveHubOptions(hubOptionsFromEnv(process.env))
 *   // { endpoint: 'https://huggingface.co', cacheDir: '/home/me/.cache/rewardfit', offline: false,
 *   //   token: null, retries: 3, onProgress: null }
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import { OptionError } from '../errors.ts'
import { DOWNLOAD_DEFAULTS, type DownloadProgress } from '../net/download.ts'

export type { DownloadProgress }

export interface HubOptions {
  /** Where downloads are kept: `{cacheDir}/datasets/{org}/{name}/{revision}/…`. */
  cacheDir?: string
  /** Hub base URL; set it to a mirror (HF_ENDPOINT), e.g. 'https://hf-mirror.com'. */
  endpoint?: string
  /** Access token for private or gated datasets (HF_TOKEN); sent as `Authorization: Bearer`. */
  token?: string | null
  /** Never touch the network; use the cache or fail saying what to do. */
  offline?: boolean
  /** Extra attempts per file after a dropped connection; each resumes where the last stopped. Range [0, 20]. */
  retries?: number
  onProgress?: ((p: DownloadProgress) => void) | null
}

export type ResolvedHubOptions = Required<HubOptions>

export const HUB_DEFAULTS = {
  cacheDir: join(homedir(), '.cache', 'rewardfit'),
  endpoint: 'https://huggingface.co',
  token: null,
  offline: false,
  retries: DOWNLOAD_DEFAULTS.retries,
  onProgress: null,
} satisfies ResolvedHubOptions

export function resolveHubOptions(o: HubOptions = {}): ResolvedHubOptions {
  const given = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as HubOptions
  const r = { ...HUB_DEFAULTS, ...given }
  let url: URL | undefined
  try {
    url = new URL(r.endpoint)
  } catch {}
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new OptionError('endpoint', r.endpoint, 'an http(s) URL such as https://huggingface.co (check HF_ENDPOINT)')
  }
  if (typeof r.cacheDir !== 'string' || !r.cacheDir) throw new OptionError('cacheDir', r.cacheDir, 'a folder path')
  if (!Number.isInteger(r.retries) || r.retries < 0 || r.retries > 20) {
    throw new OptionError('retries', r.retries, 'an integer in [0, 20]')
  }
  return { ...r, endpoint: r.endpoint.replace(/\/+$/, ''), token: r.token || null }
}

/**
 * The Hub settings huggingface_hub users already have: HF_TOKEN (or the older
 * HUGGING_FACE_HUB_TOKEN), HF_ENDPOINT, HF_HUB_OFFLINE / REWARDFIT_OFFLINE, and REWARDFIT_CACHE or
 * XDG_CACHE_HOME for the cache. Unset variables are left out so defaults apply.
 */
export function hubOptionsFromEnv(env: Record<string, string | undefined>): HubOptions {
  const truthy = (v: string | undefined) => v !== undefined && /^(1|true|yes|on)$/i.test(v.trim())
  const o: HubOptions = {}
  const token = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN
  if (token) o.token = token.trim()
  if (env.HF_ENDPOINT) o.endpoint = env.HF_ENDPOINT
  if (truthy(env.HF_HUB_OFFLINE) || truthy(env.REWARDFIT_OFFLINE)) o.offline = true
  if (env.REWARDFIT_CACHE) o.cacheDir = env.REWARDFIT_CACHE
  else if (env.XDG_CACHE_HOME) o.cacheDir = join(env.XDG_CACHE_HOME, 'rewardfit')
  return o
}
