/**
 * A server script run in a child process (`node --import tsx -e SCRIPT`) for the tests that signal it:
 * its output is collected, `waitFor` resolves on a line of it, and `exited` with the exit code.
 *
 * @example
 *   const c = serverChild(`...await serveUntilSignal(app, { onListening: (u) => process.stdout.write('listening ' + u + '\\n') })`)
 *   const [, url] = await c.waitFor(/listening (http:\/\/\S+)\n/)
 *   c.proc.kill('SIGTERM'); assert.equal(await c.exited, 0, c.err())
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The repository root, for the child script's imports (`${root}src/serve/app.ts`). */
export const root = fileURLToPath(new URL('../../', import.meta.url))

export interface ServerChild {
  proc: ChildProcess
  /** Everything the child printed so far. */
  out(): string
  err(): string
  /** The first match of `re` in stdout (now or later); rejects if the child exits first. */
  waitFor(re: RegExp): Promise<RegExpMatchArray>
  exited: Promise<number | null>
}

export function serverChild(script: string): ServerChild {
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  proc.stdout.on('data', (c) => {
    out += c
  })
  proc.stderr.on('data', (c) => {
    err += c
  })
  const waitFor = (re: RegExp): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const m = out.match(re)
        if (m) {
          proc.stdout.off('data', check)
          resolve(m)
        }
      }
      proc.stdout.on('data', check)
      proc.once('exit', (code) => reject(new Error(`child exited (${code}) before ${re}: ${out}${err}`)))
      check()
    })
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)))
  return { proc, out: () => out, err: () => err, waitFor, exited }
}
