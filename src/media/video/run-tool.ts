import { spawn } from 'node:child_process'
import { abortReason } from '../../core/abort.js'
import { KamuiError } from '../../core/errors.js'

/** How much of a tool's stderr is kept for error messages and parsing, in characters. */
export const STDERR_KEEP_CHARS = 64 * 1024

/** Options of {@link runTool}. */
export interface RunToolOptions {
  /** Kills the process (SIGKILL) and rethrows the signal's reason. */
  signal?: AbortSignal
  /**
   * Data written to the process's stdin, chunk by chunk with back-pressure (raw frames for
   * ffmpeg's `pipe:0`); stdin is closed after the last chunk. Without it stdin is ignored.
   */
  stdin?: AsyncIterable<Uint8Array> | Iterable<Uint8Array>
  /** Exit codes accepted as success (default `[0]`). */
  okCodes?: number[]
}

/** What a finished tool run printed. */
export interface ToolOutput {
  stdout: Buffer
  /** The last {@link STDERR_KEEP_CHARS} characters of stderr. */
  stderr: string
  code: number
}

/**
 * Runs an executable (ffmpeg, ffprobe) with an argument array: no shell, so no input is ever
 * interpolated into a command line.
 *
 * @param file absolute path of the executable
 * @param what a short name for messages (`ffmpeg`, `ffprobe`)
 * @throws KamuiError VID_002 when the process cannot start or exits with a code not in
 *   `okCodes` (the message ends with the last lines of stderr); the signal's reason when aborted
 */
export function runTool(
  file: string,
  args: readonly string[],
  what: string,
  options: RunToolOptions = {},
): Promise<ToolOutput> {
  const { signal } = options
  if (signal?.aborted) return Promise.reject(abortReason(signal))
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...args], {
      stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      windowsHide: true,
    })
    const stdout: Buffer[] = []
    let stderr = ''
    let settled = false
    const finish = (error: unknown, output?: ToolOutput): void => {
      if (settled) return
      settled = true
      signal?.removeEventListener('abort', onAbort)
      if (error !== undefined) reject(error)
      else resolve(output as ToolOutput)
    }
    const onAbort = (): void => {
      child.kill('SIGKILL')
      finish(abortReason(signal as AbortSignal))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEEP_CHARS)
    })
    child.once('error', (error) => {
      finish(
        new KamuiError('VID_002', `${what} could not be started (${error.message}).`, {
          cause: error,
        }),
      )
    })
    child.once('close', (code, killedBy) => {
      const exit = code ?? -1
      if ((options.okCodes ?? [0]).includes(exit)) {
        finish(undefined, { stdout: Buffer.concat(stdout), stderr, code: exit })
        return
      }
      const how = killedBy ? `was killed by ${killedBy}` : `exited with code ${exit}`
      finish(new KamuiError('VID_002', `${what} ${how}: ${lastLines(stderr)}`))
    })
    if (options.stdin && child.stdin) {
      const input = child.stdin
      // A write after ffmpeg exited fails with EPIPE; the exit code carries the real error.
      input.on('error', () => undefined)
      let writeFailed = false
      void (async () => {
        try {
          for await (const chunk of options.stdin as AsyncIterable<Uint8Array>) {
            if (settled || input.destroyed) return
            await new Promise<void>((done) =>
              input.write(chunk, (error) => {
                if (error) writeFailed = true
                done()
              }),
            )
            if (writeFailed) return
          }
          input.end()
        } catch (error) {
          // The producer of the data failed: stop the tool and report the producer's error.
          input.destroy()
          child.kill('SIGKILL')
          finish(error)
        }
      })()
    }
  })
}

/** The last few meaningful lines of a tool's stderr, for an error message. */
export function lastLines(stderr: string, count = 4): string {
  const lines = stderr
    .split(/\r?\n|\r/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
  return lines.slice(-count).join(' | ') || 'no error output'
}
