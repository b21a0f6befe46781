import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

/**
 * A fake `nvidia-smi` (a shell script) in a new folder: it records its arguments to `args.txt`
 * beside it and prints `stdout` and `stderr` (kept in files beside it, so no quoting issue), then
 * exits with `exitCode`.
 *
 * @returns the folder, to put first on PATH, and the path of the argument record
 */
export function fakeNvidiaSmi(opts: {
  stdout?: string
  exitCode?: number
  stderr?: string
  sleepS?: number
}): {
  dir: string
  argsFile: string
} {
  const dir = mkdtempSync(path.join(tmpdir(), 'fake-nvidia-smi-'))
  const argsFile = path.join(dir, 'args.txt')
  writeFileSync(path.join(dir, 'stdout.txt'), opts.stdout ?? '')
  writeFileSync(path.join(dir, 'stderr.txt'), opts.stderr ? `${opts.stderr}\n` : '')
  const script = [
    '#!/bin/sh',
    `printf '%s\\n' "$@" > "${argsFile}"`,
    opts.sleepS ? `sleep ${opts.sleepS}` : '',
    `cat "${path.join(dir, 'stderr.txt')}" >&2`,
    `cat "${path.join(dir, 'stdout.txt')}"`,
    `exit ${opts.exitCode ?? 0}`,
  ].join('\n')
  writeFileSync(path.join(dir, 'nvidia-smi'), `${script}\n`)
  chmodSync(path.join(dir, 'nvidia-smi'), 0o755)
  return { dir, argsFile }
}

/** A PATH with `dir` first, then the usual system folders (so `sh`, `sleep` and `cat` resolve). */
export function pathWith(dir: string): string {
  return [dir, '/usr/local/bin', '/usr/bin', '/bin'].join(path.delimiter)
}
