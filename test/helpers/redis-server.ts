/**
 * A real redis-server (Debian's /usr/bin/redis-server) for the distributed tests: its own free
 * port and temporary folder, stopped and removed by `stop()`. Never a mock. `restart()` stops it and
 * starts it again on the same port and folder, to test reconnecting.
 *
 * @example
 *   const redis = await startRedis()
 *   redis.url            // 'redis://127.0.0.1:40123'
 *   await redis.stop()
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TestRedis {
  url: string
  port: number
  dir: string
  restart(): Promise<void>
  stop(): Promise<void>
}

export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server'

async function freePort(): Promise<number> {
  const srv = createServer()
  await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok))
  const port = (srv.address() as { port: number }).port
  await new Promise((ok) => srv.close(ok))
  return port
}

function launch(port: number, dir: string, password?: string): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no']
  if (password) args.push('--requirepass', password)
  const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  return new Promise((ok, fail) => {
    let out = ''
    const onData = (b: Buffer) => {
      out += b.toString()
      if (out.includes('Ready to accept connections')) {
        child.stdout?.off('data', onData)
        child.stdout?.resume()
        ok(child)
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.resume()
    child.once('error', fail)
    child.once('exit', (code) => fail(new Error(`redis-server exited with ${code}: ${out.slice(-500)}`)))
  })
}

async function halt(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((ok) => child.once('exit', ok))
  child.kill('SIGTERM')
  await exited
}

export async function startRedis(options: { password?: string } = {}): Promise<TestRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'rewardfit-redis-'))
  const port = await freePort()
  let child = await launch(port, dir, options.password)
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : ''
  return {
    url: `redis://${auth}127.0.0.1:${port}`,
    port,
    dir,
    async restart() {
      await halt(child)
      child = await launch(port, dir, options.password)
    },
    async stop() {
      await halt(child)
      await rm(dir, { recursive: true, force: true })
    },
  }
}
