/** Runs the real `rewardfit` CLI in a child process, offline, as a user would; returns its exit code and output. */
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'

const BIN = resolve(import.meta.dirname, '../../bin/rewardfit.js')

export function runCli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, REWARDFIT_OFFLINE: '1' },
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}
