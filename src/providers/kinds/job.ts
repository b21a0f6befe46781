import type { Logger } from '../../core/logger.js'
import type { GpuMemory } from '../../contracts/telemetry.js'
import type { McpCall } from '../../models/types.js'
import type { ComfyJobParams } from '../comfyui/inject.js'
import type { GpuCheckOptions } from '../gpu/check.js'
import type { JobStatus } from '../mcp/result-media.js'
import type { MediaRef } from '../mcp/types.js'

/**
 * The model job: what a provider of any media kind asks the job runner (`src/runner/job-runner.ts`)
 * to run. A job is plain data (the arguments actually sent, the tool or workflow), so the runner
 * can key, journal and resume it; the providers never poll, retry or download themselves.
 */

/** An MCP model call: one synchronous tool, or the submit → status → result triple. */
export interface McpModelJob {
  provider: 'mcp'
  /** Short name for log lines (`image 2 (flux-schnell)`, `segment 1 (preview)`). */
  label: string
  call: McpCall
  /** The model's arguments; each tool receives only those its input schema declares. */
  args: Record<string, unknown>
  /** Server-key substrings searched first (the entry's `serverHints`; the preview server's key). */
  hints?: string[]
  /** Pause between two status calls, ms (default 2000). */
  pollIntervalMs?: number
  /** Limit of one status call, ms (default 30 000). */
  statusTimeoutMs?: number
  /** Limit of one submit / result / sync call, ms (default 600 000; the signal is the real deadline). */
  callTimeoutMs?: number
  /** What the final result must hold: media (images, clips, depth maps) or text (stories). */
  answer: 'media' | 'text'
}

/** A ComfyUI workflow-template run on the least-loaded healthy server of the run's pool. */
export interface ComfyModelJob {
  provider: 'comfyui'
  label: string
  /** A key of the shipped templates (`sdxl-text-to-image`, `svd-image-to-video`, …). */
  template: string
  params: ComfyJobParams
  /** The GPU memory gate (its `env` finds `nvidia-smi`). */
  gpu?: GpuCheckOptions
}

/** Any model job. */
export type ModelJob = McpModelJob | ComfyModelJob

/**
 * The durable handle of a submitted job: enough to find it again on its server (the MCP
 * `request_id` of a triple, the ComfyUI `prompt_id`). A synchronous MCP tool has no id.
 */
export interface JobHandle {
  provider: 'mcp' | 'comfyui'
  /** `mcpServers` key, or the ComfyUI base URL. */
  server: string
  /** MCP tools called or to call (`[tool]` or `[submit, status, result]`); empty for ComfyUI. */
  tools: string[]
  /** `request_id` / `prompt_id`, or undefined for a synchronous tool. */
  id: string | undefined
  /** ComfyUI template name, or null. */
  workflow: string | null
  /**
   * Set when `id` is an MCP task id: the protocol revision of the task (`2025-11-25`: tasks of
   * the SDK, `src/runner/mcp-task-job.ts`; `2026-07-28`: the tasks extension). A re-run
   * follows it with `tasks/get` instead of calling the tool again.
   */
  task?: '2025-11-25' | '2026-07-28'
}

/** When a job became ready at its server, ms after its submit: after `afterMs`, by `byMs`. */
export interface ReadyWindowMs {
  afterMs: number
  byMs: number
}

/** What a finished job returned, before any media is downloaded. */
export interface JobOutput {
  handle: JobHandle
  /** Media of the result (ComfyUI output files come as `bytes`); empty for text answers. */
  media: MediaRef[]
  /** All text content of the final result joined with newlines (not redacted). */
  text: string
  /** `structuredContent` of the final MCP result, when the tool sent one. */
  structured: unknown
  /** Input-schema properties of the (submit) tool: the arguments it accepted. Empty for ComfyUI. */
  accepted: string[]
  /** Model call time (submit → result), ms. */
  generationMs: number
  /**
   * When a followed job became ready at its server, ms after its submit (after `afterMs`, by
   * `byMs`; see `src/runner/model-latency.ts`); absent for sync calls, ComfyUI and re-attached
   * jobs.
   */
  readyWindowMs?: ReadyWindowMs
  /** Time the runner spent downloading outputs inside the job (ComfyUI `/view`), ms; else null. */
  downloadMs: number | null
  /** GPU memory of a ComfyUI job (MiB), or null. */
  gpuMemory: GpuMemory | null
  /** The job key of the run journal (`src/runner/journal-key.ts`), when the run keeps one. */
  jobKey?: string
  /** How the journal served it: reused (no model call), resumed (stored handle) or new. */
  journal?: 'reused' | 'resumed' | 'new'
}

/** Options of {@link ModelJobRunner.run}. */
export interface RunJobOptions {
  /** The job's deadline and cancellation; its reason (IMG_003 on a deadline) is rethrown. */
  signal: AbortSignal
  logger: Logger
  /** Called after every status call of an MCP triple with the state and the ms since submit. */
  onStatus?: (status: JobStatus | 'unknown', elapsedMs: number) => void
  /** MCP progress notifications of the sync / submit / result call (advisory). */
  onProgress?: (progress: { progress: number; total?: number; message?: string }) => void
  /**
   * Called with an MCP task's status (`working`, `input_required`, `completed`, `failed`,
   * `cancelled`), its `statusMessage` and the ms since submit, after its creation and after
   * every `tasks/get`.
   */
  onTaskStatus?: (status: string, statusMessage: string | undefined, elapsedMs: number) => void
}

/** Options of {@link ModelJobRunner.fetchMedia}. */
export interface FetchMediaOptions<T> {
  signal: AbortSignal
  logger: Logger
  /** The kind of media expected (the other kind's downloads are refused with GEN_002). */
  accept: 'image' | 'video'
  /** Largest accepted download, bytes (default: that of `downloadMedia`). */
  maxBytes?: number
  /** Reorders the media items before they are tried (e.g. videos before thumbnails). */
  order?: (media: readonly MediaRef[]) => MediaRef[]
  /**
   * Checks and decodes the bytes of one item (to PNG, to a depth map, …); a KamuiError GEN_002
   * moves on to the next item.
   */
  verify: (bytes: Uint8Array, ref: MediaRef) => Promise<T>
}

/** One media item fetched and verified. */
export interface FetchedMedia<T> {
  value: T
  ref: MediaRef
  /** Download and verification time, ms (0 work for inline bytes is still measured). */
  downloadMs: number
  /** Whether the bytes had to be downloaded (false: they came inside the result). */
  downloaded: boolean
}

/**
 * The job runner as providers see it (implemented in `src/runner/job-runner.ts`): runs a
 * model job to its end, and fetches the media of its output. Providers receive it from the
 * model services; they never talk to MCP pools or ComfyUI servers themselves.
 */
export interface ModelJobRunner {
  /**
   * Runs a job: submit (the durable handle exists from here), wait (status polling or the
   * ComfyUI WebSocket, within the signal's deadline), then read the result.
   *
   * @throws KamuiError IMG_002 (tool on no server), GEN_001 (job failed, no request id, no
   *   media or text), the classified MCP / ComfyUI errors, the signal's reason
   */
  run(job: ModelJob, options: RunJobOptions): Promise<JobOutput>
  /**
   * Downloads (hosted URLs expire: at once, capped, type-checked, transient failures retried)
   * and verifies the first usable media item of a job's output (`output.media`).
   *
   * @throws KamuiError GEN_002 when no item is usable (the last reason), GEN_001 when the
   *   output held no media, the download errors (IMG_006, IMG_008)
   */
  fetchMedia<T>(media: readonly MediaRef[], options: FetchMediaOptions<T>): Promise<FetchedMedia<T>>
}
