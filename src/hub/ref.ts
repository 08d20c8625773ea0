/**
 * Parses a Hub dataset reference as the CLI accepts it in `--data`: `hf:ORG/NAME[@REVISION][:SPLIT]`.
 * The split defaults to 'train' and the revision to 'main'. A split may name a config too
 * (`config/split`), which only matters for the Hub's auto-converted Parquet branch.
 *
 * @example
 *   parseHubRef('hf:nvidia/HelpSteer2:validation')
 *   // { repo: 'nvidia/HelpSteer2', revision: 'main', split: 'validation' }
 *   parseHubRef('hf:org/data@v1.0')   // { repo: 'org/data', revision: 'v1.0', split: 'train' }
 */
import { OptionError } from '../errors.ts'

export interface HubDatasetRef {
  /** 'org/name'. */
  repo: string
  /** Branch, tag or commit. */
  revision: string
  split: string
}

/** True for strings meant as Hub references, so `--data` can tell them from local paths. */
export const isHubRef = (s: string): boolean => s.startsWith('hf:')

// Hub repo names: letters, digits, '-', '_', '.'; no '--' or '..' (huggingface_hub's validator).
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/

export function parseHubRef(ref: string): HubDatasetRef {
  const fail = (why: string): never => {
    throw new OptionError(
      'data',
      ref,
      `a Hub dataset as hf:ORG/NAME[@REVISION][:SPLIT], e.g. hf:nvidia/HelpSteer2:train (${why})`,
    )
  }
  if (!isHubRef(ref)) fail('missing the hf: prefix')
  let rest = ref.slice(3)
  let split = 'train'
  const colon = rest.indexOf(':')
  if (colon >= 0) {
    split = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
    if (!/^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/.test(split)) fail(`bad split ${JSON.stringify(split)}`)
  }
  let revision = 'main'
  const at = rest.indexOf('@')
  if (at >= 0) {
    revision = rest.slice(at + 1)
    rest = rest.slice(0, at)
    if (!revision || /\s|\.\./.test(revision)) fail(`bad revision ${JSON.stringify(revision)}`)
  }
  const parts = rest.split('/')
  if (parts.length !== 2 || !parts.every((p) => NAME.test(p) && !p.includes('--') && !p.includes('..'))) {
    fail(`bad repo id ${JSON.stringify(rest)}`)
  }
  return { repo: rest, revision, split }
}
