/**
 * Hugging Face Hub datasets for `--data hf:ORG/NAME[@REVISION][:SPLIT]`.
 *
 * @example
 *   import { hubOptionsFromEnv, isHubRef, resolveHubDataset } from './hub/index.ts'
 *   if (isHubRef(data)) ({ files, format } = await resolveHubDataset(data, hubOptionsFromEnv(process.env)))
 */

export { type DownloadProgress, IntegrityError } from '../net/download.ts'
export { HubHttpError, HubUnreachableError } from './api.ts'
export { type HubDataset, PARQUET_REVISION, resolveHubDataset } from './dataset.ts'
export {
  HUB_DEFAULTS,
  type HubOptions,
  hubOptionsFromEnv,
  type ResolvedHubOptions,
  resolveHubOptions,
} from './options.ts'
export { type HubDatasetRef, isHubRef, parseHubRef } from './ref.ts'
