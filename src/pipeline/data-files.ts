/**
 * Turns `--data`/`--val`/`--test` values into local files: a path stays as it is; `hf:ORG/NAME[:split]`
 * is downloaded (or found in the cache) and becomes the list of that split's files, whose extensions
 * tell the readers their format.
 *
 * @example
 *   await localDataFiles('hf:nvidia/HelpSteer2:train', hubOptions)   // ['~/.cache/rewardfit/datasets/.../train.jsonl.gz']
 */
import { type HubOptions, isHubRef, resolveHubDataset } from '../hub/index.ts'

export async function localDataFiles(ref: string, hub: HubOptions): Promise<string | string[]> {
  if (!isHubRef(ref)) return ref
  const { files } = await resolveHubDataset(ref, hub)
  return files
}
