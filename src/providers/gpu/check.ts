import { sleep } from '../../core/abort.js'
import { KamuiError, errorMessage } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import type { GpuMemory } from '../../contracts/telemetry.js'
import { readNvidiaSmi } from './nvidia-smi.js'
import { gpuFromSystemStats } from './system-stats.js'
import type { GpuReading, GpuServer, GpuSource } from './types.js'

/**
 * The GPU memory gate of a ComfyUI job: read the free memory before submitting, refuse with
 * IMG_010 when the workflow needs more (after optionally asking the server to unload its
 * models), and measure again afterwards for the telemetry (`before_mib`, `after_mib`,
 * `delta_mib`: memory **in use**, MiB).
 *
 * Sources: `nvidia-smi` (MiB) measures the GPU of *this* machine, so `auto` uses it only for a
 * ComfyUI server on a loopback address; otherwise, and when `nvidia-smi` is missing, fails or
 * reports `[N/A]`, the server's own `GET /system_stats` (bytes) is used. A server on the CPU, or
 * no usable source at all, means no check and `gpu_memory: null` (logged).
 *
 * The check is a gate, not a guarantee: ComfyUI keeps the last models loaded, so memory it holds
 * for the same model reads as "used" — the reason `freeWhenShort` asks it to unload before
 * refusing.
 */

/** Options of the GPU memory check. */
export interface GpuCheckOptions {
  /** Where to read memory (default `auto`, see the module comment); `off` skips the check. */
  source?: 'auto' | GpuSource | 'off'
  /** Environment for `nvidia-smi` (its PATH finds the program; the stage passes `ctx.env`). */
  env?: Record<string, string | undefined>
  /** nvidia-smi GPU index (default 0). */
  deviceIndex?: number
  /** Replaces the template's estimated need, MiB. */
  requiredMib?: number
  /** When memory is short, `POST /free` (unload models, free memory) and read again (default true). */
  freeWhenShort?: boolean
  /** How long to wait for `/free` to take effect (it is asynchronous on the server), ms (default 10 000). */
  freeWaitMs?: number
  /** nvidia-smi deadline, ms (default 5000). */
  timeoutMs?: number
}

/** A reading and, when there is none, why. */
export interface GpuSnapshot {
  reading: GpuReading | null
  /** Why each source gave nothing (empty when `reading` is set by the first source). */
  notes: string[]
}

/**
 * Reads GPU memory for the server `client` (see the module comment for the source order).
 * Never throws, except the signal's reason.
 */
export async function readGpuMemory(
  client: GpuServer,
  options: GpuCheckOptions = {},
  signal?: AbortSignal,
  prefer?: GpuSource,
): Promise<GpuSnapshot> {
  const source = options.source ?? 'auto'
  if (source === 'off') return { reading: null, notes: ['GPU memory check is off'] }
  const order: GpuSource[] =
    prefer !== undefined
      ? [prefer]
      : source === 'auto'
        ? isLoopback(client.url)
          ? ['nvidia-smi', 'system-stats']
          : ['system-stats']
        : [source]
  const notes: string[] = []
  for (const from of order) {
    if (from === 'nvidia-smi') {
      const result = await readNvidiaSmi({
        ...(options.env ? { env: options.env } : {}),
        ...(options.deviceIndex !== undefined ? { index: options.deviceIndex } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      })
      if (result.reading) return { reading: result.reading, notes }
      notes.push(result.reason)
    } else {
      try {
        const result = gpuFromSystemStats(await client.systemStats(signal))
        if (result.reading) return { reading: result.reading, notes }
        notes.push(result.reason)
      } catch (error) {
        if (signal?.aborted) throw error
        notes.push(`/system_stats failed: ${errorMessage(error)}`)
      }
    }
  }
  return { reading: null, notes }
}

/**
 * Makes sure the server has `requiredMib` of free GPU memory before a job is submitted.
 *
 * @returns the reading taken before the job (the telemetry's "before"), or null when memory
 *   could not be read (the job runs unchecked; logged at info)
 * @throws KamuiError IMG_010 naming the server, the workflow, the need, the free and total
 *   memory and the source, when memory stays short (also after `POST /free` when enabled)
 */
export async function ensureGpuMemory(
  client: GpuServer,
  requiredMib: number,
  what: string,
  options: GpuCheckOptions,
  logger: Logger,
  signal?: AbortSignal,
): Promise<GpuReading | null> {
  const need = options.requiredMib ?? requiredMib
  let snapshot = await readGpuMemory(client, options, signal)
  if (!snapshot.reading) {
    if (options.source !== 'off') {
      logger.info(`ComfyUI ${client.url}: GPU memory not checked (${snapshot.notes.join('; ')}).`)
    }
    return null
  }
  if (snapshot.reading.freeMib >= need) return snapshot.reading
  let freed = false
  if (options.freeWhenShort ?? true) {
    logger.info(
      `ComfyUI ${client.url}: ${what} needs about ${need} MiB of GPU memory, ${snapshot.reading.freeMib} MiB free; asking the server to unload its models (POST /free).`,
    )
    try {
      await client.free({ unload_models: true, free_memory: true }, signal)
      freed = true
    } catch (error) {
      if (signal?.aborted) throw error
      logger.warn(`ComfyUI ${client.url}: POST /free failed: ${errorMessage(error)}`)
    }
    if (freed) {
      const deadline = performance.now() + (options.freeWaitMs ?? 10_000)
      const source = snapshot.reading.source
      while (performance.now() < deadline) {
        await sleep(Math.min(500, Math.max(deadline - performance.now(), 0)), signal)
        const again = await readGpuMemory(client, options, signal, source)
        if (again.reading) snapshot = again
        if (snapshot.reading && snapshot.reading.freeMib >= need) return snapshot.reading
      }
    }
  }
  const r = snapshot.reading as GpuReading
  const device = `GPU ${r.index ?? 0}${r.name ? ` (${r.name})` : ''}`
  throw new KamuiError(
    'IMG_010',
    `ComfyUI ${client.url}: not enough GPU memory for ${what}: it needs about ${need} MiB free, ${device} has ${r.freeMib} MiB free of ${r.totalMib} MiB (read with ${r.source === 'nvidia-smi' ? 'nvidia-smi' : '/system_stats'})${freed ? ', also after asking the server to unload its models' : ''}. Nothing was submitted. Free GPU memory (other programs, other jobs), or use a smaller workflow.`,
    { retryable: false },
  )
}

/** Telemetry record from the readings before and after a job (null unless both exist). */
export function gpuMemoryRecord(
  before: GpuReading | null,
  after: GpuReading | null,
): GpuMemory | null {
  if (!before || !after) return null
  return {
    before_mib: before.usedMib,
    after_mib: after.usedMib,
    delta_mib: after.usedMib - before.usedMib,
  }
}

/** Whether a URL's host is this machine (127.0.0.0/8, ::1, localhost). */
export function isLoopback(url: string): boolean {
  let host: string
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '')
  } catch {
    return false
  }
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}
