import { abortReason } from '../core/abort.js'
import { KamuiError, isKamuiError } from '../core/errors.js'
import { silentLogger, type Logger } from '../core/logger.js'
import { downloadMedia } from '../media/download.js'
import { ComfyPromptRun } from '../providers/comfyui/provider.js'
import { ComfyPool } from '../providers/comfyui/pool.js'
import { parseComfyUrls } from '../providers/comfyui/urls.js'
import { getTemplate } from '../providers/comfyui/templates/index.js'
import type {
  ComfyModelJob,
  FetchedMedia,
  FetchMediaOptions,
  JobHandle,
  JobOutput,
  McpModelJob,
  ModelJob,
  ModelJobRunner,
  ReadyWindowMs,
  RunJobOptions,
} from '../providers/kinds/job.js'
import type { McpPool } from '../providers/mcp/pool.js'
import type { MediaRef } from '../providers/mcp/types.js'
import type { McpCall } from '../models/types.js'
import type { RunJournal } from './journal.js'
import { settleOnEnd, type Budget } from './budget.js'
import { runJournaled } from './journal-run.js'
import { jobKey, promptIdOf } from './journal-key.js'
import {
  mcpOutput,
  submitMcpJob,
  waitMcpJob,
  type McpJobOptions,
  type McpSubmission,
} from './mcp-job.js'
import { reattachMcpJob } from './mcp-resume.js'

/**
 * Points where a journal, a cache or a progress display sits in the runner (the durable
 * generation of SPEC §9 plugs in here). Each hook is awaited before the runner goes on, so a
 * hook that writes and fsyncs a journal line has done so before the runner waits on the job.
 */
export interface JobHooks {
  /** The job was submitted: its durable handle exists (MCP `request_id`, ComfyUI `prompt_id`). */
  onSubmitted?: (job: ModelJob, handle: JobHandle) => void | Promise<void>
  /** The job finished with an output (before any media is downloaded). */
  onCompleted?: (job: ModelJob, output: JobOutput) => void | Promise<void>
  /** The job failed (after submission when `handle` is set). */
  onFailed?: (job: ModelJob, error: unknown, handle: JobHandle | undefined) => void | Promise<void>
  /** The run journal or the job cache answered the job: no model call (not awaited). */
  onReused?: (job: ModelJob, output: JobOutput) => void
  /**
   * A status string of a running job (the MCP triple's status, an MCP task's), ms since the
   * submit; for progress displays (`src/runner/progress.ts`), called before the caller's own
   * `RunJobOptions.onStatus`.
   */
  onStatus?: (job: ModelJob, status: string, elapsedMs: number) => void
  /** Progress of a running job: MCP `notifications/progress`, ComfyUI sampler steps. */
  onProgress?: (
    job: ModelJob,
    progress: { progress: number; total?: number; message?: string },
  ) => void
  /** An MCP task's status and `statusMessage`, ms since submit (see `RunJobOptions.onTaskStatus`). */
  onTaskStatus?: (
    job: ModelJob,
    status: string,
    statusMessage: string | undefined,
    elapsedMs: number,
  ) => void
}

/** What the runner runs jobs on (a runner without one refuses that provider's jobs). */
export interface JobRunnerBackends {
  /** The run's MCP servers (the embedded preview server among them). */
  mcp?: McpPool
  /** The run's ComfyUI servers, opened on first use. */
  comfy?: () => ComfyPool
}

/** A submitted job: its durable handle, and the step that waits for its output. */
export interface SubmittedJob {
  handle: JobHandle
  /** The idempotency key the submit carried (an MCP tool that declares one), else undefined. */
  idempotencyKey?: string
  /** Waits for the job's end and reads its result. */
  wait(): Promise<JobOutput>
  /** Releases what the job holds (ComfyUI socket and server lease); idempotent. */
  close(): void
}

/**
 * The one job runner of every model call (SPEC §2, §9): the MCP synchronous tool, the MCP
 * submit → status → result triple, and the ComfyUI prompt, each in two steps ({@link submit}
 * returns the durable handle, {@link SubmittedJob.wait} follows it to the end) with the
 * deadline of the caller's signal; and the download-and-verify path of their media
 * ({@link fetchMedia}). Retries and rate limits are the generation queue's
 * (`generation-queue.ts`), which runs a provider call as one attempt.
 */
export class JobRunner implements ModelJobRunner {
  constructor(
    private readonly backends: JobRunnerBackends,
    private readonly hooks: JobHooks = {},
    /** The run journal of the stage folder (issue 11): keys, journals and resumes every job. */
    private readonly journal?: RunJournal,
    /** The run's budget (issue 11, `max-cost-usd`): checked before every submit. */
    private readonly budget?: Budget,
  ) {}

  /**
   * Submits a job and waits for its output (see {@link ModelJobRunner.run}).
   *
   * @throws KamuiError the errors of the job's provider; the signal's reason when it aborts
   */
  async run(job: ModelJob, given: RunJobOptions): Promise<JobOutput> {
    const options = this.observed(job, given)
    if (this.journal) return this.runJournaled(this.journal, job, options)
    let handle: JobHandle | undefined
    try {
      const submitted = await this.submit(job, options)
      handle = submitted.handle
      try {
        await this.hooks.onSubmitted?.(job, handle)
        const output = await submitted.wait()
        await this.hooks.onCompleted?.(job, output)
        return output
      } finally {
        submitted.close()
      }
    } catch (error) {
      const final = options.signal.aborted ? abortReason(options.signal) : error
      await this.hooks.onFailed?.(job, final, handle)
      throw final
    }
  }

  /** `options` with the status and progress hooks chained before the caller's callbacks. */
  private observed(job: ModelJob, options: RunJobOptions): RunJobOptions {
    const { onStatus, onProgress, onTaskStatus } = this.hooks
    if (!onStatus && !onProgress && !onTaskStatus) return options
    return {
      ...options,
      onStatus: (status, elapsedMs) => {
        onStatus?.(job, status, elapsedMs)
        options.onStatus?.(status, elapsedMs)
      },
      onProgress: (progress) => {
        onProgress?.(job, progress)
        options.onProgress?.(progress)
      },
      onTaskStatus: (status, statusMessage, elapsedMs) => {
        onTaskStatus?.(job, status, statusMessage, elapsedMs)
        options.onTaskStatus?.(status, statusMessage, elapsedMs)
      },
    }
  }

  private async runJournaled(
    journal: RunJournal,
    job: ModelJob,
    options: RunJobOptions,
  ): Promise<JobOutput> {
    try {
      const output = await runJournaled(journal, job, options, {
        submit: (j, o) => this.submit(j, o),
        reattach: (j, handle, o) => this.reattach(j, handle, o),
        ...(this.hooks.onSubmitted ? { onSubmitted: this.hooks.onSubmitted } : {}),
        ...(this.hooks.onCompleted ? { onCompleted: this.hooks.onCompleted } : {}),
      })
      if (output.journal === 'reused') this.hooks.onReused?.(job, output)
      return output
    } catch (error) {
      const final = options.signal.aborted ? abortReason(options.signal) : error
      await this.hooks.onFailed?.(job, final, undefined)
      throw final
    }
  }

  /**
   * Follows the stored handle of a job an earlier run submitted, without submitting (an MCP
   * triple); undefined where the provider offers no way back (sync tools, ComfyUI).
   *
   * @throws KamuiError IMG_002 when the tools are no longer on the handle's server
   */
  async reattach(
    job: ModelJob,
    handle: JobHandle,
    options: RunJobOptions,
  ): Promise<SubmittedJob | undefined> {
    const pool = this.backends.mcp
    if (job.provider !== 'mcp' || !pool) return undefined
    const mcpOptions = this.mcpOptions(job, options)
    const submission = await reattachMcpJob(pool, job.call, handle, mcpOptions)
    return submission && this.mcpSubmitted(job, pool, submission, mcpOptions, performance.now())
  }

  /**
   * The submit step: after it the job runs on its server and its handle is known.
   *
   * Under a budget the job's estimate is reserved first and settled when the job ends
   * (`src/runner/budget.ts`).
   *
   * @throws KamuiError COST_001 when the budget refuses the job (nothing is submitted),
   *   IMG_002 (tool on no server), GEN_001 (no request id), the ComfyUI
   *   submission errors (CFG_001, IMG_009, IMG_010, COMFY_001, IMG_008), the signal's reason
   */
  async submit(job: ModelJob, options: RunJobOptions): Promise<SubmittedJob> {
    const reservation = this.budget?.reserve(job)
    try {
      const submitted =
        job.provider === 'mcp'
          ? await this.submitMcp(job, options)
          : await this.submitComfy(job, options)
      return reservation ? settleOnEnd(submitted, reservation, options.signal) : submitted
    } catch (error) {
      reservation?.settle(false)
      throw error
    }
  }

  private async submitMcp(job: McpModelJob, options: RunJobOptions): Promise<SubmittedJob> {
    const pool = this.backends.mcp
    if (!pool) throw unavailable(job.label, 'MCP servers')
    const started = performance.now()
    const mcpOptions = this.mcpOptions(job, options)
    // Under a journal the idempotency key comes from the job key: a resubmit carries the same.
    const idempotencyKey = this.journal ? promptIdOf(jobKey(job), this.journal.folder) : undefined
    const submission = await submitMcpJob(pool, job.call, job.args, {
      ...mcpOptions,
      ...(idempotencyKey ? { idempotencyKey } : {}),
    })
    return this.mcpSubmitted(job, pool, submission, mcpOptions, started)
  }

  private mcpSubmitted(
    job: McpModelJob,
    pool: McpPool,
    submission: McpSubmission,
    mcpOptions: McpJobOptions,
    started: number,
  ): SubmittedJob {
    return {
      handle: submission.handle,
      ...(submission.idempotencyKey ? { idempotencyKey: submission.idempotencyKey } : {}),
      wait: async () => {
        let ready: ReadyWindowMs | undefined
        const final = await waitMcpJob(pool, submission, {
          ...mcpOptions,
          onReady: (window) => (ready = window),
        })
        const generationMs = Math.round(performance.now() - started)
        const output = mcpOutput(pool, submission, final, job.answer, generationMs)
        return ready ? { ...output, readyWindowMs: ready } : output
      },
      close: () => undefined,
    }
  }

  private mcpOptions(job: McpModelJob, options: RunJobOptions): McpJobOptions {
    return {
      signal: options.signal,
      logger: options.logger,
      ...(job.hints ? { hints: job.hints } : {}),
      ...(job.pollIntervalMs !== undefined ? { pollIntervalMs: job.pollIntervalMs } : {}),
      ...(job.statusTimeoutMs !== undefined ? { statusTimeoutMs: job.statusTimeoutMs } : {}),
      ...(job.callTimeoutMs !== undefined ? { callTimeoutMs: job.callTimeoutMs } : {}),
      ...(options.onStatus ? { onStatus: options.onStatus } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.onTaskStatus ? { onTaskStatus: options.onTaskStatus } : {}),
    }
  }

  private async submitComfy(job: ComfyModelJob, options: RunJobOptions): Promise<SubmittedJob> {
    if (!this.backends.comfy) throw unavailable(job.label, 'ComfyUI servers (comfyui-url)')
    const run = await ComfyPromptRun.start(
      this.backends.comfy(),
      getTemplate(job.template),
      job.params,
      {
        signal: options.signal,
        logger: options.logger,
        gpu: job.gpu ?? {},
        // Under a journal the prompt id comes from the job key: a retry or a re-run finds it.
        ...(this.journal?.resume ? { promptId: promptIdOf(jobKey(job), this.journal.folder) } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      },
    )
    const handle: JobHandle = {
      provider: 'comfyui',
      server: run.server,
      tools: [],
      id: run.promptId,
      workflow: job.template,
    }
    return {
      handle,
      wait: async () => {
        const result = await run.finish()
        return {
          handle: { ...handle, id: result.promptId, workflow: result.template },
          media: result.outputs.map((o): MediaRef => ({
            source: 'image',
            bytes: o.bytes,
            mimeType: o.mediaType,
          })),
          text: '',
          structured: undefined,
          accepted: [],
          generationMs: result.generationMs,
          downloadMs: result.downloadMs,
          gpuMemory: result.gpuMemory,
        }
      },
      close: () => run.close(),
    }
  }

  /**
   * Fetches the first usable item of `media`: inline bytes, or its URL downloaded at once
   * (capped, type-checked, transient failures retried by `downloadMedia`), then verified by
   * `options.verify`. An item failing with GEN_002 is logged and the next one is tried.
   *
   * @throws KamuiError GEN_002 when no item is usable (the last reason), GEN_001 when there is
   *   none; the download errors (IMG_006, IMG_008) when retries run out
   */
  async fetchMedia<T>(
    media: readonly MediaRef[],
    options: FetchMediaOptions<T>,
  ): Promise<FetchedMedia<T>> {
    const started = performance.now()
    let lastError: unknown
    for (const ref of options.order ? options.order(media) : media) {
      try {
        const bytes =
          ref.bytes ??
          (
            await downloadMedia(ref.url as string, {
              signal: options.signal,
              accept: options.accept,
              ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
            })
          ).bytes
        const value = await options.verify(bytes, ref)
        const downloadMs = Math.round(performance.now() - started)
        return { value, ref, downloadMs, downloaded: ref.bytes === undefined }
      } catch (error) {
        if (!isKamuiError(error, 'GEN_002')) throw error
        lastError = error
        options.logger.warn(`${error.message} Trying the next media item of the result.`)
      }
    }
    throw lastError ?? new KamuiError('GEN_001', 'The model result held no media.')
  }
}

function unavailable(label: string, what: string): KamuiError {
  return new KamuiError('IMG_002', `${label} needs ${what}, which this run does not have.`, {
    retryable: false,
  })
}

/**
 * A job runner for ComfyUI jobs only, on the servers of a `comfyui-url` value (default
 * `http://127.0.0.1:8188`), opened on the first job: for the ComfyUI plug-ins of the stage
 * commands, which run outside a stage's model services.
 *
 * @throws KamuiError CFG_001 (at the first job) for a malformed URL list
 */
export function comfyJobRunner(comfyuiUrl: string | undefined, logger: Logger): JobRunner {
  let pool: ComfyPool | undefined
  return new JobRunner({
    comfy: () => (pool ??= new ComfyPool(parseComfyUrls(comfyuiUrl), { logger })),
  })
}

/** What {@link invokeTool} returns. */
export interface InvokeResult {
  /** The media found in the final result, in the order of `extractMedia`; never empty. */
  media: MediaRef[]
  /** Key of the server that ran the job. */
  server: string
  /** Tool names called: `[tool]` or `[submit, status, result]`. */
  tools: string[]
  /** The async job's id. */
  requestId?: string
  /** The text content of the final result, redacted. */
  resultText: string
}

/**
 * Runs one MCP model call on `pool` through a {@link JobRunner} and returns the media of its
 * result (for callers that hold a pool but no model services: tests, tools).
 *
 * @param args the model's arguments; each tool receives only those its input schema declares
 * @throws KamuiError IMG_002 when a tool is found on no server; GEN_001 when submit returns no
 *   request id, when the job reports failed or when the final result holds no media; the
 *   classified errors of `McpPool.callTool`; the signal's reason (IMG_003 for a
 *   `deadlineSignal`) when it aborts
 */
export async function invokeTool(
  pool: McpPool,
  call: McpCall,
  args: Record<string, unknown>,
  options: McpJobOptions = {},
): Promise<InvokeResult> {
  const job: McpModelJob = {
    provider: 'mcp',
    label: call.type === 'sync' ? call.tool : call.submit,
    call,
    args,
    answer: 'media',
    ...(options.hints ? { hints: options.hints } : {}),
    ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
    ...(options.statusTimeoutMs !== undefined ? { statusTimeoutMs: options.statusTimeoutMs } : {}),
    ...(options.callTimeoutMs !== undefined ? { callTimeoutMs: options.callTimeoutMs } : {}),
  }
  const output = await new JobRunner({ mcp: pool }).run(job, {
    signal: options.signal ?? new AbortController().signal,
    logger: options.logger ?? silentLogger,
    ...(options.onStatus ? { onStatus: options.onStatus } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.onTaskStatus ? { onTaskStatus: options.onTaskStatus } : {}),
  })
  const { handle } = output
  return {
    media: output.media,
    server: handle.server,
    tools: handle.tools,
    ...(handle.id !== undefined ? { requestId: handle.id } : {}),
    resultText: pool.redact(output.text),
  }
}
