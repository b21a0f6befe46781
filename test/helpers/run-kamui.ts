import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** Absolute path of the repository root. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
/** Absolute file URL of tsx's loader, so a child runs TypeScript from any working directory. */
export const TSX_LOADER_URL = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
/** Absolute path of the CLI's TypeScript entry. */
export const KAMUI_CLI_ENTRY = path.join(REPO_ROOT, 'src', 'cli', 'index.ts')

/** What one `kamui` process did. */
export interface KamuiRun {
  /** Exit code (null when killed by a signal, e.g. after the timeout). */
  code: number | null
  stdout: string
  stderr: string
  /** The `name=value` lines of stdout (split at the first `=`). */
  outputs: Record<string, string>
  /** Whether the process was killed because it ran past `timeoutMs`. */
  timedOut: boolean
}

/** Options of {@link runKamui} and {@link runNode}. */
export interface RunKamuiOptions {
  /** Working directory: the CLI's workspace. */
  cwd: string
  /** Variables added to (or, when undefined, removed from) the parent's environment. */
  env?: Record<string, string | undefined>
  /** Kills the process (SIGKILL) after this many ms (default 60 000). */
  timeoutMs?: number
}

/**
 * Runs the `kamui` CLI from the TypeScript sources as a real process:
 * `node --import <tsx loader URL> <repo>/src/cli/index.ts ...args` in `options.cwd`.
 */
export function runKamui(args: readonly string[], options: RunKamuiOptions): Promise<KamuiRun> {
  return runNode(['--import', TSX_LOADER_URL, KAMUI_CLI_ENTRY, ...args], options)
}

/** Runs `node ...nodeArgs` (the running Node binary) and collects its output. */
export function runNode(nodeArgs: readonly string[], options: RunKamuiOptions): Promise<KamuiRun> {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name]
    else env[name] = value
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs], {
      cwd: options.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, options.timeoutMs ?? 60_000)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr, outputs: parseOutputLines(stdout), timedOut })
    })
  })
}

/** Parses `name=value` lines (as the CLI prints its outputs); other lines are ignored. */
export function parseOutputLines(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z0-9_-]+)=(.*)$/.exec(line)
    if (match) outputs[match[1] as string] = match[2] as string
  }
  return outputs
}
