/**
 * What every benchmark prints and keeps: the load average (the machine is shared, so figures are
 * only as quiet as it was) and its rows, ratios included, as JSON in bench/out/NAME.json.
 *
 * @example
 *   console.log(loadLine())                                  // load average 2.13 4.87 2.65 (1/5/15 min), 2 cores
 *   writeBenchOut('head', rows)                              // bench/out/head.json
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const OUT = join(dirname(fileURLToPath(import.meta.url)), 'out')
const loadAtStart = loadavg()

export function loadLine(): string {
  return `load average ${loadavg()
    .map((v) => v.toFixed(2))
    .join(' ')} (1/5/15 min), ${availableParallelism()} cores`
}

/** Writes { benchmark, date, cores, loadAverage: { start, end }, rows, ...extra } (temp file, then rename). */
export function writeBenchOut(name: string, rows: unknown[], extra: Record<string, unknown> = {}): string {
  mkdirSync(OUT, { recursive: true })
  const file = join(OUT, `${name}.json`)
  const body = {
    benchmark: name,
    date: new Date().toISOString(),
    cores: availableParallelism(),
    loadAverage: { start: loadAtStart, end: loadavg() },
    rows,
    ...extra,
  }
  writeFileSync(`${file}.tmp`, `${JSON.stringify(body, null, 2)}\n`)
  renameSync(`${file}.tmp`, file)
  console.log(`\n${loadLine()}; rows written to ${file}`)
  return file
}

/**
 * The environment for a peer process (Python): ours without the huge-pages setting our launcher
 * added (scripts/with-huge-pages.mjs), so each side runs as it would alone. numpy asks for huge
 * pages on its large arrays itself; glibc's setting on top slowed sklearn's logistic fit by ~40%.
 */
export function peerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra }
  if (env.REWARDFIT_PEER_GLIBC_TUNABLES !== undefined) {
    if (env.REWARDFIT_PEER_GLIBC_TUNABLES === '') delete env.GLIBC_TUNABLES
    else env.GLIBC_TUNABLES = env.REWARDFIT_PEER_GLIBC_TUNABLES
  }
  return env
}
