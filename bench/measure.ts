import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseV2Inputs } from '../src/stages/image-generation/inputs.js'
import {
  runImageGeneration,
  type ImageGenerationResult,
} from '../src/stages/image-generation/run.js'
import type { FakeKamuiCall, FakeKamuiHandle } from '../test/fixtures/servers/start-fake-kamui.js'
import { benchContext, benchLogger } from './context.js'

/** Submit tool of the benchmarked model (`imagen4-fast`) on the fake server. */
const SUBMIT_TOOL = 'imagen4_fast_submit'
const STATUS_TOOL = 'imagen4_fast_status'
const RESULT_TOOL = 'imagen4_fast_result'

/** A logger that drops info and debug lines and prints warnings and errors to stderr. */
const quietLogger = benchLogger()

/** One benchmarked stage run. */
export interface RunOptions {
  /** Images to make (`image-count`). */
  images: number
  /** `max-parallel`; ignored by the stage when `strategy` is `sequential`. */
  maxParallel: number
  strategy: 'parallel' | 'sequential'
}

/** What one stage run measured. */
export interface RunMeasurement {
  /** From just before the stage call to its return, ms (performance.now()). */
  wallMs: number
  /** From the stage call to the first submit reaching the server, ms (fake's stats clock). */
  startupMs: number
  /** From the last result call reaching the server to the stage's return, ms. */
  tailMs: number
  /** Per job, as the fake server saw it (status polling of the default schedule). */
  jobs: JobPolling[]
  /** Median over the jobs of {@link JobPolling.delayMs}. */
  medianDelayMs: number
  /** Mean over the jobs of {@link JobPolling.statusPerSecond}. */
  statusPerSecond: number
  result: ImageGenerationResult
}

/** How one job was polled, from the fake server's call log. */
export interface JobPolling {
  requestId: string
  /** From the job becoming ready at the server to the client's result call, ms. */
  delayMs: number
  /** Status calls of the job. */
  statusCalls: number
  /** Status calls per second from its submit to its result call. */
  statusPerSecond: number
}

/**
 * Runs the real image-generation stage in-process against `server` (imagen4-fast, fixed seed,
 * 256x256) in a fresh temporary workspace, and measures its wall time, start-up cost (stage
 * call → first `imagen4_fast_submit` logged by the server) and tail (last `imagen4_fast_result`
 * → return).
 *
 * @throws the stage's error when no image was made, or Error when not every image was made
 */
export async function measureRun(
  server: FakeKamuiHandle,
  options: RunOptions,
): Promise<RunMeasurement> {
  const workspace = await mkdtemp(path.join(tmpdir(), 'kamui-bench-'))
  const context = benchContext(workspace, quietLogger)
  const inputs = parseV2Inputs({
    'image-prompt': 'A lighthouse on a cliff at sunset',
    'folder-name': 'out',
    'mcp-config': JSON.stringify({ mcpServers: { kamui: server.entry() } }),
    models: 'imagen4-fast',
    'image-count': String(options.images),
    'generation-strategy': options.strategy,
    'max-parallel': String(options.maxParallel),
    'image-size': '256x256',
    seed: '42',
  })
  try {
    const callsBefore = (await server.calls()).length
    const startedEpoch = Date.now()
    const started = performance.now()
    const result = await runImageGeneration(inputs, context)
    const wallMs = performance.now() - started
    const endedEpoch = Date.now()
    if (result.images.length !== options.images) {
      throw new Error(`only ${result.images.length} of ${options.images} images were made`)
    }
    const calls = (await server.calls()).slice(callsBefore)
    const times = (tool: string): number[] => calls.filter((c) => c.tool === tool).map((c) => c.t)
    const jobs = jobPolling(calls)
    const delays = jobs.map((j) => j.delayMs).sort((a, b) => a - b)
    return {
      wallMs,
      startupMs: Math.min(...times(SUBMIT_TOOL)) - startedEpoch,
      tailMs: endedEpoch - Math.max(...times(RESULT_TOOL)),
      jobs,
      medianDelayMs: median(delays),
      statusPerSecond: jobs.reduce((sum, j) => sum + j.statusPerSecond, 0) / jobs.length,
      result,
    }
  } finally {
    await rm(workspace, { recursive: true, force: true })
  }
}

/**
 * Per job of the log (submits that carry `request_id` and `ready_at`): the delay from ready to
 * its first successful result call, and its status calls per second from submit to that call.
 *
 * @throws Error when a job has no successful result call
 */
function jobPolling(calls: FakeKamuiCall[]): JobPolling[] {
  const submits = calls.filter(
    (c) => c.tool === SUBMIT_TOOL && c.request_id !== undefined && c.ready_at !== undefined,
  )
  return submits.map((submit) => {
    const id = submit.request_id as string
    const mine = calls.filter((c) => c.args['request_id'] === id)
    const result = mine.find((c) => c.tool === RESULT_TOOL && c.outcome === 'ok')
    if (!result) throw new Error(`job ${id} has no successful result call`)
    const statusCalls = mine.filter((c) => c.tool === STATUS_TOOL && c.t <= result.t).length
    return {
      requestId: id,
      delayMs: result.t - (submit.ready_at as number),
      statusCalls,
      statusPerSecond: statusCalls / Math.max((result.t - submit.t) / 1000, 0.001),
    }
  })
}

/** The median of sorted `values` (the mean of the middle two for an even count). */
function median(values: number[]): number {
  const mid = Math.floor(values.length / 2)
  return values.length % 2 === 1
    ? (values[mid] as number)
    : ((values[mid - 1] as number) + (values[mid] as number)) / 2
}
