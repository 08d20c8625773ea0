/**
 * Builds the page's script: the page UI plus the hashing featurizer, the heads and RewardModel
 * scoring, as one browser file with no Node-only imports. esbuild maps src/compute/session.ts
 * (onnxruntime-node) to session-stub.ts, so gemm runs on plain TypeScript in the browser.
 *
 * `npm run build` (and so `npm pack`, through prepack) writes dist/browser/rewardfit-page.js, and the
 * server serves that file as it is: an installed package never bundles. Only when run from the
 * sources (browser/page-entry.ts, no prebuilt file) does it bundle, on first request, with esbuild,
 * a dev dependency.
 *
 * @example
 *   const js = await pageBundle()      // cached per process
 */
import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { RewardfitError } from '../errors.ts'

// The page's sources (and a prebuilt bundle) live in browser/, which the server serves but never
// imports: esbuild reads them by path.
const here = join(dirname(fileURLToPath(import.meta.url)), '..', 'browser')

/** Bundles the page script from source. Throws if esbuild is not installed. */
export async function buildPageBundle(options: { minify?: boolean } = {}): Promise<string> {
  let esbuild: typeof import('esbuild')
  try {
    esbuild = await import('esbuild')
  } catch (err) {
    throw new RewardfitError(
      'the page script is not prebuilt and esbuild is not installed; run the build or `npm install --include=dev`',
      { cause: err },
    )
  }
  const entry = [`${here}/page-entry.ts`, `${here}/page-entry.js`].find(existsSync)
  if (!entry) throw new RewardfitError(`the page script source is missing from ${here}`)
  const stub = [`${here}/session-stub.ts`, `${here}/session-stub.js`].find(existsSync) as string
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: options.minify ?? true,
    legalComments: 'none',
    logLevel: 'silent',
    plugins: [
      {
        name: 'onnxruntime-free-compute',
        setup(build) {
          build.onResolve({ filter: /[/\\]session\.(ts|js)$/ }, (args) =>
            /compute$/.test(args.resolveDir) ? { path: stub } : undefined,
          )
        },
      },
    ],
  })
  return result.outputFiles[0].text
}

let cached: Promise<string> | null = null

/** The page script: the prebuilt file if present, else (from the sources) a bundle built once per process. */
export function pageBundle(): Promise<string> {
  if (!cached) {
    const prebuilt = `${here}/rewardfit-page.js`
    cached = existsSync(prebuilt)
      ? readFile(prebuilt, 'utf8')
      : existsSync(`${here}/page-entry.ts`)
        ? buildPageBundle()
        : Promise.reject(
            new RewardfitError(
              `the page script ${prebuilt} is missing from this build; rebuild the package with \`npm run build\` (or \`npm pack\`)`,
            ),
          )
    cached.catch(() => {
      cached = null // let a later request retry
    })
  }
  return cached
}

/** Writes the bundle atomically (temp file in the same folder, then rename). */
export async function writePageBundle(outFile: string): Promise<void> {
  const js = await buildPageBundle()
  await mkdir(dirname(outFile), { recursive: true })
  const tmp = `${outFile}.${process.pid}.tmp`
  await writeFile(tmp, js)
  await rename(tmp, outFile)
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2] ?? `${here}/rewardfit-page.js`
  writePageBundle(out).then(() => process.stdout.write(`wrote ${out}\n`))
}
