/**
 * `rewardfit serve --model DIR`: loads the model, builds the app (serve/app.ts) and binds the port
 * until SIGTERM or Ctrl-C, which finish in-flight requests and exit 0.
 *
 * @example
 *   rewardfit serve --model models/hanna --port 8000
 *   curl -s localhost:8000/v1/score -H 'content-type: application/json' \
 *     -d '{"items": [{"prompt": "Say hi", "response": "Hi!"}]}'
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Command } from 'commander'
import { OptionError } from '../errors.ts'
import { HEAD_FILE } from '../model/folder.ts'
import { loadRewardModel } from '../model/load-model.ts'
import { buildServer } from '../serve/app.ts'
import { LISTEN_DEFAULTS, serveUntilSignal } from '../serve/listen.ts'
import { autoFeaturizeWorkers, SERVE_DEFAULTS } from '../serve/options.ts'
import { modelLoadOptions } from './env.ts'

/** Parses an integer flag, naming the flag in the error. */
export function intFlag(
  flag: string,
  value: string | undefined,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined
  const n = /^\s*-?\d+\s*$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new OptionError(flag, value, `an integer in [${min}, ${max === Number.MAX_SAFE_INTEGER ? '∞' : max}]`)
  return n
}

function workersFlag(value: string | undefined): number | 'auto' | undefined {
  return value?.trim() === 'auto' ? 'auto' : intFlag('--featurize-workers', value, 0, 64)
}

interface ServeFlags {
  model: string
  host?: string
  port?: string
  apiKey?: string
  maxBodyBytes?: string
  maxItems?: string
  maxChars?: string
  batchWaitMs?: string
  maxBatchItems?: string
  featurizeWorkers?: string
  requestTimeoutMs?: string
  headersTimeoutMs?: string
  keepAliveTimeoutMs?: string
  maxConnections?: string
  offline?: boolean
}

export function registerServeCommand(program: Command): void {
  const d = SERVE_DEFAULTS
  program
    .command('serve')
    .description(
      'Serve a reward model over HTTP: POST /v1/score, /get_reward (OpenRLHF), /v1/rank; GET /v1/model, /healthz, /metrics, and / (a page to try it)',
    )
    .requiredOption('--model <dir>', 'model folder (config.json + head.safetensors)')
    .option(
      '--host <host>',
      `interface to bind (default: ${LISTEN_DEFAULTS.host}; 0.0.0.0 exposes the server to the network)`,
    )
    .option('--port <n>', `port, 0 picks a free one (default: ${LISTEN_DEFAULTS.port})`)
    .option(
      '--api-key <key>',
      'require "Authorization: Bearer <key>" on every route but /healthz (default: $REWARDFIT_API_KEY)',
    )
    .option('--max-body-bytes <n>', `largest request body; larger gets 413 (default: ${d.maxBodyBytes})`)
    .option('--max-items <n>', `most items per request; more gets 413 (default: ${d.maxItems})`)
    .option('--max-chars <n>', `most characters per prompt or response; longer gets 413 (default: ${d.maxChars})`)
    .option('--batch-wait-ms <ms>', `how long a micro-batch waits for more requests (default: ${d.batchWaitMs})`)
    .option(
      '--max-batch-items <n>',
      `a micro-batch is scored once it holds this many items (default: ${d.maxBatchItems})`,
    )
    .option(
      '--featurize-workers <n>',
      `worker threads that featurize (hashing backbone); 0 = main thread (default: ${d.featurizeWorkers}, here ${autoFeaturizeWorkers()})`,
    )
    .option(
      '--request-timeout-ms <ms>',
      `a request (headers and body) still arriving after this gets 408 (default: ${d.requestTimeoutMs})`,
    )
    .option('--headers-timeout-ms <ms>', `headers still arriving after this get 408 (default: ${d.headersTimeoutMs})`)
    .option(
      '--keep-alive-timeout-ms <ms>',
      `idle keep-alive connections close after this (default: ${d.keepAliveTimeoutMs})`,
    )
    .option('--max-connections <n>', `most open connections; more are closed at once (default: ${d.maxConnections})`)
    .option('--offline', 'never download backbone files; use the cache (also REWARDFIT_OFFLINE=1)')
    .addHelpText(
      'after',
      `
Examples:
  $ rewardfit serve --model models/rm                      # http://127.0.0.1:8000/ opens the try-it page
  $ rewardfit serve --model models/rm --port 9000 --api-key "$KEY"
  $ curl -s localhost:8000/v1/score -H 'content-type: application/json' \\
      -d '{"items":[{"prompt":"Where is my order?","response":"Track it under Orders."}]}'
  $ curl -s localhost:8000/get_reward -d '{"query":["Q: hi A: hello"],"prompts":["Q: hi "]}' -H 'content-type: application/json'
`,
    )
    .action(async (flags: ServeFlags) => {
      const env = process.env
      const apiKey = flags.apiKey ?? (env.REWARDFIT_API_KEY || undefined)
      const options = {
        apiKey: apiKey ?? null,
        maxBodyBytes: intFlag('--max-body-bytes', flags.maxBodyBytes, 1),
        maxItems: intFlag('--max-items', flags.maxItems, 1),
        maxChars: intFlag('--max-chars', flags.maxChars, 1),
        batchWaitMs: intFlag('--batch-wait-ms', flags.batchWaitMs, 0, 1000),
        maxBatchItems: intFlag('--max-batch-items', flags.maxBatchItems, 1),
        featurizeWorkers: workersFlag(flags.featurizeWorkers),
        requestTimeoutMs: intFlag('--request-timeout-ms', flags.requestTimeoutMs, 100, 3_600_000),
        headersTimeoutMs: intFlag('--headers-timeout-ms', flags.headersTimeoutMs, 100, 3_600_000),
        keepAliveTimeoutMs: intFlag('--keep-alive-timeout-ms', flags.keepAliveTimeoutMs, 100, 3_600_000),
        maxConnections: intFlag('--max-connections', flags.maxConnections, 1),
      }
      const port = intFlag('--port', flags.port, 0, 65535)
      const offline = flags.offline === true || /^(1|true|yes|on)$/i.test(env.REWARDFIT_OFFLINE ?? '')
      const model = await loadRewardModel(flags.model, { ...modelLoadOptions({}, env), offline })
      // Served as saved, with its __metadata__ (GET /v1/model/files/head.safetensors).
      const headFile = await readFile(join(flags.model, HEAD_FILE))
      try {
        // Options are validated (buildServer) before the port is bound.
        // Log only failures of the server itself (500s, dead workers), as JSON lines on stdout.
        const app = buildServer(model, { ...options, headFile, logger: { level: 'error' } })
        await serveUntilSignal(app, {
          host: flags.host,
          port,
          // `npx rewardfit serve` puts npm and a shell between a process manager and the server, and
          // the shell does not pass SIGTERM on: stop when re-parented.
          watchParent: true,
          onListening: (url) => {
            const auth = options.apiKey ? ' (API key required)' : ''
            process.stdout.write(
              `rewardfit: serving ${flags.model} at ${url}${auth}; open ${url}/ to try it, Ctrl-C to stop\n`,
            )
          },
          onShutdown: (reason) => process.stdout.write(`rewardfit: ${reason}, finishing in-flight requests\n`),
        })
        process.stdout.write('rewardfit: stopped\n')
      } finally {
        await model.featurizer.dispose?.()
      }
    })
}
