import { execFile, type ExecFileException } from 'node:child_process'
import type { GpuReadResult } from './types.js'

/**
 * Reading GPU memory with `nvidia-smi` (`nvidia-smi --help-query-gpu`): one CSV line per GPU, in MiB, in device
 * index order:
 *
 *   nvidia-smi --query-gpu=memory.free,memory.total,memory.used --format=csv,noheader,nounits
 *   → "20480, 24564, 4084"
 *
 * Fields read `[N/A]` where the driver cannot tell (e.g. MIG instances); a missing field is
 * derived from the other two when possible. A missing `nvidia-smi` (ENOENT / exit 127), a
 * non-zero exit (no driver) and a hang (5 s deadline) give a reason instead of a reading.
 */

/** The arguments passed to `nvidia-smi`. */
export const NVIDIA_SMI_ARGS = [
  '--query-gpu=memory.free,memory.total,memory.used',
  '--format=csv,noheader,nounits',
]

/** One parsed line; null where the field was `[N/A]` or unreadable. */
export interface NvidiaSmiLine {
  index: number
  freeMib: number | null
  totalMib: number | null
  usedMib: number | null
}

/** Parses `nvidia-smi` CSV output (see the module comment); blank lines are skipped. */
export function parseNvidiaSmi(stdout: string): NvidiaSmiLine[] {
  return stdout
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      const [free, total, used] = line.split(',').map((field) => mib(field))
      return { index, freeMib: free ?? null, totalMib: total ?? null, usedMib: used ?? null }
    })
}

function mib(field: string | undefined): number | null {
  const text = (field ?? '').trim()
  if (!/^\d+(\.\d+)?$/.test(text)) return null
  return Number(text)
}

/** Options of {@link readNvidiaSmi}. */
export interface NvidiaSmiOptions {
  /**
   * Environment of the child process; its `PATH` is where `nvidia-smi` is looked up (tests put
   * a fake one first). Default: the parent's environment.
   */
  env?: Record<string, string | undefined>
  /** GPU index (default 0). */
  index?: number
  /** Deadline, ms (default 5000). */
  timeoutMs?: number
}

/** Reads one GPU's memory with `nvidia-smi`; never throws. */
export async function readNvidiaSmi(options: NvidiaSmiOptions = {}): Promise<GpuReadResult> {
  const index = options.index ?? 0
  const timeoutMs = options.timeoutMs ?? 5000
  const run = await new Promise<{ stdout: string; error?: ExecFileException; stderr: string }>(
    (resolve) => {
      execFile(
        'nvidia-smi',
        NVIDIA_SMI_ARGS,
        {
          ...(options.env ? { env: definedOnly(options.env) } : {}),
          timeout: timeoutMs,
          windowsHide: true,
          maxBuffer: 1024 * 1024,
        },
        (error, stdout, stderr) =>
          resolve({ stdout: String(stdout), stderr: String(stderr), ...(error ? { error } : {}) }),
      )
    },
  )
  if (run.error) {
    const error = run.error
    if (error.code === 'ENOENT' || error.code === 127) {
      return { reason: 'nvidia-smi is not installed (not found on PATH)' }
    }
    if (error.killed) return { reason: `nvidia-smi did not answer within ${timeoutMs / 1000} s` }
    const detail = (run.stderr.trim() || run.stdout.trim()).split('\n')[0] ?? ''
    return {
      reason: `nvidia-smi failed (exit ${String(error.code)})${detail ? `: ${detail}` : ''}`,
    }
  }
  const line = parseNvidiaSmi(run.stdout)[index]
  if (!line) return { reason: `nvidia-smi lists no GPU ${index}` }
  const { totalMib } = line
  let { freeMib, usedMib } = line
  if (freeMib === null && totalMib !== null && usedMib !== null) freeMib = totalMib - usedMib
  if (usedMib === null && totalMib !== null && freeMib !== null) usedMib = totalMib - freeMib
  if (freeMib === null || usedMib === null) {
    return {
      reason: `nvidia-smi reports GPU ${index} memory as [N/A] (a MIG instance or an unsupported device)`,
    }
  }
  return {
    reading: {
      source: 'nvidia-smi',
      index,
      name: undefined,
      totalMib: totalMib ?? freeMib + usedMib,
      freeMib,
      usedMib,
    },
  }
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  )
}
