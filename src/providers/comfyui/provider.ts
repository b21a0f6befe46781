import { randomUUID } from 'node:crypto'
import { abortReason } from '../../core/abort.js'
import { KamuiError, errorMessage, isKamuiError } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import {
  ensureGpuMemory,
  gpuMemoryRecord,
  readGpuMemory,
  type GpuCheckOptions,
} from '../gpu/check.js'
import type { GpuReading } from '../gpu/types.js'
import type { GpuMemory } from '../../contracts/telemetry.js'
import type { ComfyClient } from './client.js'
import { describeNodeErrors, historyFailure, rejectedError } from './errors.js'
import { PromptFollower, type CompletionSignal } from './follow.js'
import { buildWorkflow, type ComfyJobParams } from './inject.js'
import { imageExtension, mediaTypeOf, outputFiles } from './outputs.js'
import type { ComfyLease, ComfyPool } from './pool.js'
import { ComfySocket } from './socket.js'
import { getTemplate, type ComfyTemplate, type TemplateProduces } from './templates/index.js'
import type { ApiWorkflow, HistoryEntry, NodeError, UploadResult } from './types.js'

export type { ComfyJobParams } from './inject.js'

/** Options of {@link generateWithComfyUI}. */
export interface ComfyJobOptions {
  /**
   * Ends the job: on abort after submission the prompt is interrupted on its server
   * (`POST /interrupt {prompt_id}`, and removed from the queue if still pending) and the
   * signal's reason is thrown — IMG_003 for a `deadlineSignal`.
   */
  signal: AbortSignal
  logger: Logger
  /** GPU memory gate (default: `auto` source, free models when short). */
  gpu?: GpuCheckOptions
  /** `/history` poll interval while the socket is down or silent, ms (default 1000). */
  pollIntervalMs?: number
  /** Socket silence after which `/history` is polled, ms (default 5000). */
  silenceMs?: number
  /** Shortest interval between two progress log lines, ms (default 2000). */
  progressIntervalMs?: number
  /** Cap of one output download, bytes (default 512 MiB). */
  maxDownloadBytes?: number
  /** Output file prefix on the server (default `kamui/<template>`); a per-job suffix is added. */
  filenamePrefix?: string
  /** First WebSocket reconnect delay, ms (default 250). */
  reconnectDelayMs?: number
  /**
   * The client-chosen `prompt_id` (a lowercase UUID), e.g. derived from the job key of the run
   * journal (default: a random one). With it given, the server is asked first whether it
   * already knows the prompt (`/history/{id}`, `/queue`): an earlier attempt whose answer was
   * lost, or a killed run, is followed instead of being submitted again.
   */
  promptId?: string
  /**
   * Every sampler step of the prompt (`progress {value, max, node}`), unthrottled: the job
   * runner's progress stream (`RunJobOptions.onProgress`). The log lines stay throttled.
   */
  onProgress?: (progress: { progress: number; total?: number; message?: string }) => void
}

/** One file the workflow produced. */
export interface ComfyOutput {
  bytes: Buffer
  /** The name on the server (`kamui/sdxl-1a2b3c4d_00001_.png` has filename `sdxl-1a2b3c4d_00001_.png`). */
  filename: string
  subfolder: string
  /** `output` or `temp`. */
  type: string
  /** From the extension (`image/png`, `video/mp4`, …). */
  mediaType: string
  /** The node that wrote it. */
  nodeId: string
}

/** What {@link generateWithComfyUI} returns. */
export interface ComfyJobResult {
  /** Files of the template's output node, in the server's order (at least one). */
  outputs: ComfyOutput[]
  /** Base URL of the server that ran the job. */
  server: string
  promptId: string
  template: string
  produces: TemplateProduces
  /** GPU memory in use before and after, MiB; null when it could not be read (no GPU, no source). */
  gpuMemory: GpuMemory | null
  /** Submission → history entry read, ms. */
  generationMs: number
  /** Submission → `execution_start`, ms; null when the event was not seen. */
  queueWaitMs: number | null
  /** Downloading the outputs with `/view`, ms. */
  downloadMs: number
  /** Input images as the server stored them (the name may differ from the one sent). */
  uploads: UploadResult[]
  /** Non-fatal findings (e.g. `node_errors` of other outputs on a 200), also logged. */
  warnings: string[]
  /** How the prompt was followed. */
  follow: {
    /** What ended the wait: a WebSocket event, or a `/history` poll. */
    signal: CompletionSignal
    /** Whether a WebSocket was used at all (false: polling only). */
    websocket: boolean
    reconnects: number
    historyPolls: number
    previews: number
    unattributedFrames: number
  }
}

/**
 * Runs one job of a shipped ComfyUI workflow template on the least-loaded healthy server of
 * `pool` and returns the files of its output node.
 *
 * Steps: validate the parameters against the template; pick a server (a server with too little
 * free GPU memory is passed over; IMG_010 when none has enough — before anything is uploaded or
 * submitted); upload the input images (`POST /upload/image`, using the names the server
 * returns); set the parameters through the template's mapping; open the WebSocket with a fresh
 * client id; `POST /prompt`; follow the prompt to its end (see {@link PromptFollower}); read
 * `/history/{id}`; download the output node's files with `/view`; read GPU memory again.
 *
 * @param templateName a key of `TEMPLATES` (e.g. `sdxl-text-to-image`, the registry's
 *   `workflow` of `sdxl-local`)
 * @throws KamuiError CFG_003 (unknown template), IMG_009 (prompt missing), CFG_001 (bad numbers,
 *   wrong count of input images), IMG_010 (not enough GPU memory, or the GPU ran out),
 *   COMFY_001 (workflow rejected: 400, or our output dropped on a 200), COMFY_002 (a node
 *   failed, the prompt was interrupted by someone else or went missing, an output is missing),
 *   IMG_003 (deadline; the prompt is interrupted on the server), IMG_007 (refused by a proxy /
 *   origin check), IMG_008 (no server reachable, transport failure; retryable), GEN_002
 *   (download too large or empty), RUN_001 (cancelled)
 */
export async function generateWithComfyUI(
  pool: ComfyPool,
  templateName: string,
  params: ComfyJobParams,
  opts: ComfyJobOptions,
): Promise<ComfyJobResult> {
  return runComfyTemplate(pool, getTemplate(templateName), params, opts)
}

/** {@link generateWithComfyUI} with a template object (tests, user-supplied templates). */
export async function runComfyTemplate(
  pool: ComfyPool,
  template: ComfyTemplate,
  params: ComfyJobParams,
  opts: ComfyJobOptions,
): Promise<ComfyJobResult> {
  const run = await ComfyPromptRun.start(pool, template, params, opts)
  try {
    return await run.finish()
  } finally {
    run.close()
  }
}

/**
 * One prompt on one server, in the two steps of the job runner: {@link ComfyPromptRun.start}
 * (parameters checked, a server leased after the GPU memory check, inputs uploaded, WebSocket
 * open, `POST /prompt`: from here the prompt id is the durable handle), then
 * {@link ComfyPromptRun.finish} (follow to the end, download the outputs, read GPU memory).
 * {@link ComfyPromptRun.close} releases the socket and the server; call it in `finally`.
 */
export class ComfyPromptRun {
  private socket: ComfySocket | undefined
  private detach = (): void => undefined
  private follower: PromptFollower | undefined
  private workflow: ApiWorkflow = {}
  private uploads: UploadResult[] = []
  private readonly warnings: string[] = []
  private websocket = false
  private submittedAt = 0
  private clientId = ''
  /** The history entry of a prompt the server had already finished (no new submit). */
  private known: HistoryEntry | undefined
  /** The prompt id on the server (the server may answer with another id than ours). */
  promptId: string
  readonly label: string

  private constructor(
    private readonly lease: ComfyLease,
    private readonly template: ComfyTemplate,
    private readonly opts: ComfyJobOptions,
    private readonly before: GpuReading | null,
  ) {
    this.promptId = opts.promptId ?? randomUUID()
    this.label = `ComfyUI ${lease.client.url} prompt ${this.promptId.slice(0, 8)}`
  }

  /** Base URL of the server that runs the prompt. */
  get server(): string {
    return this.lease.client.url
  }

  /**
   * Checks the parameters (before any server is contacted), leases a server with enough GPU
   * memory, uploads the input images, opens the WebSocket and submits the prompt.
   *
   * @throws KamuiError see {@link generateWithComfyUI}; on failure nothing is left held
   */
  static async start(
    pool: ComfyPool,
    template: ComfyTemplate,
    params: ComfyJobParams,
    opts: ComfyJobOptions,
  ): Promise<ComfyPromptRun> {
    const { signal, logger } = opts
    const images = params.inputImages ?? []
    buildWorkflow(
      template,
      params,
      images.map(() => 'pending.png'),
      'pending',
      logger,
    )
    if (signal.aborted) throw abortReason(signal)
    let before: GpuReading | null = null
    const what = `the ${template.name} workflow`
    const lease = await pool.acquire(signal, async (candidate) => {
      before = await ensureGpuMemory(
        candidate.client,
        template.gpuMemoryMib,
        what,
        opts.gpu ?? {},
        logger,
        signal,
      )
    })
    const run = new ComfyPromptRun(lease, template, opts, before)
    try {
      await run.upload(images)
      await run.openSocket(params)
      await run.submit()
      return run
    } catch (error) {
      run.close()
      throw error
    }
  }

  private async upload(images: readonly Uint8Array[]): Promise<void> {
    const { client } = this.lease
    for (const [i, bytes] of images.entries()) {
      const wanted = `kamui-${this.promptId.slice(0, 8)}-${i + 1}${imageExtension(bytes)}`
      const stored = await client.upload(bytes, wanted, this.opts.signal)
      if (stored.name !== wanted) {
        this.opts.logger.info(
          `${this.label}: input image ${i + 1} was stored as "${stored.name}" (sent as "${wanted}").`,
        )
      }
      this.uploads.push(stored)
    }
  }

  private async openSocket(params: ComfyJobParams): Promise<void> {
    const { client } = this.lease
    const { signal, logger } = this.opts
    const names = this.uploads.map((u) => (u.subfolder ? `${u.subfolder}/${u.name}` : u.name))
    const prefix = `${this.opts.filenamePrefix ?? `kamui/${this.template.name}`}-${this.promptId.slice(0, 8)}`
    const workflow = buildWorkflow(this.template, params, names, prefix, logger)
    this.workflow = workflow
    const follower = new PromptFollower(client, {
      signal,
      logger,
      label: this.label,
      classOf: (node) => workflow[node]?.class_type,
      ...optional('pollIntervalMs', this.opts.pollIntervalMs),
      ...optional('silenceMs', this.opts.silenceMs),
      ...optional('progressIntervalMs', this.opts.progressIntervalMs),
      ...optional('onProgress', this.opts.onProgress),
    })
    this.follower = follower
    const clientId = randomUUID()
    const socket = new ComfySocket({
      url: await client.wsUrl(clientId, signal),
      headers: client.headers,
      logger,
      label: client.url,
      onEvent: follower.onEvent,
      onStateChange: follower.onSocketState,
      ...optional('minReconnectDelayMs', this.opts.reconnectDelayMs),
    })
    this.socket = socket
    this.clientId = clientId
    // A deadline while the handshake is still going on ends it at once.
    const closeSocket = (): void => socket.close()
    signal.addEventListener('abort', closeSocket, { once: true })
    this.detach = () => signal.removeEventListener('abort', closeSocket)
    this.websocket = await socket.open()
    if (this.websocket) follower.attach(socket)
    if (signal.aborted) throw abortReason(signal)
  }

  private async submit(): Promise<void> {
    const { client } = this.lease
    const { signal, logger } = this.opts
    const ours = this.promptId
    this.submittedAt = performance.now()
    let queued = false
    if (this.opts.promptId !== undefined && (await this.adopt('before submitting'))) return
    try {
      const submitted = await client.submit(
        this.workflow,
        { clientId: this.clientId, promptId: ours },
        signal,
      )
      queued = true
      this.promptId = submitted.promptId
      this.lease.setPromptId(this.promptId)
      logger.info(
        `${this.label}: submitted ${this.template.name}${this.promptId !== ours ? ` (server id ${this.promptId})` : ''}.`,
      )
      checkNodeErrors(
        client,
        this.template,
        submitted.nodeErrors,
        this.warnings,
        logger,
        this.label,
      )
    } catch (error) {
      // Unknown outcome (the connection was lost after the request was sent): the id is ours,
      // so the server is asked before anything is submitted again.
      if (!signal.aborted && !queued && isKamuiError(error, 'IMG_008')) {
        if (await this.adopt(`after ${errorMessage(error)}`).catch(() => false)) return
      }
      // Stop our prompt whenever we stop following it: on abort (also while the submission
      // was in flight: the id is ours), or after it was queued and then failed on our side.
      if (signal.aborted || queued)
        await cancelOnServer(client, this.promptId, logger, this.label, error)
      if (signal.aborted) throw abortReason(signal)
      throw error
    }
  }

  /**
   * Looks our prompt id up on the server (`/history/{id}`, then `/queue`): when the server
   * knows it, the prompt is followed from here and true is returned (no submit).
   */
  private async adopt(when: string): Promise<boolean> {
    const { client } = this.lease
    const { signal, logger } = this.opts
    const entry = await client.history(this.promptId, signal)
    const queue = entry ? undefined : await client.queue(signal)
    const waiting = queue && [...queue.running, ...queue.pending].includes(this.promptId)
    if (!entry && !waiting) return false
    this.known = entry
    this.lease.setPromptId(this.promptId)
    logger.info(
      `${this.label}: the server already ${entry ? 'ran' : 'holds'} this prompt (looked up ${when}); following it, not submitting again.`,
    )
    return true
  }

  /**
   * Follows the prompt to its end, downloads the output node's files and reads GPU memory
   * again. On abort or failure the prompt is stopped on its server.
   *
   * @throws KamuiError see {@link generateWithComfyUI}
   */
  async finish(): Promise<ComfyJobResult> {
    const { client } = this.lease
    const { signal, logger } = this.opts
    let completion
    try {
      completion = this.known
        ? knownCompletion(client, this.known)
        : await (this.follower as PromptFollower).wait(this.promptId, this.submittedAt)
    } catch (error) {
      await cancelOnServer(client, this.promptId, logger, this.label, error)
      if (signal.aborted) throw abortReason(signal)
      throw error
    }
    const generationMs = Math.round(performance.now() - this.submittedAt)
    const downloadStarted = performance.now()
    const outputs = await this.download(completion.entry)
    const downloadMs = Math.round(performance.now() - downloadStarted)
    const after = this.before
      ? (await readGpuMemory(client, this.opts.gpu ?? {}, signal, this.before.source)).reading
      : null
    logger.info(
      `${this.label}: done in ${generationMs} ms (${completion.signal.replace('_', ' ')}), ${outputs.length} file(s).`,
    )
    return {
      outputs,
      server: client.url,
      promptId: this.promptId,
      template: this.template.name,
      produces: this.template.produces,
      gpuMemory: gpuMemoryRecord(this.before, after),
      generationMs,
      queueWaitMs: completion.queueWaitMs,
      downloadMs,
      uploads: this.uploads,
      warnings: this.warnings,
      follow: {
        signal: completion.signal,
        websocket: this.websocket,
        reconnects: this.socket?.reconnects ?? 0,
        historyPolls: completion.historyPolls,
        previews: completion.previews,
        unattributedFrames: completion.unattributedFrames,
      },
    }
  }

  private async download(entry: HistoryEntry): Promise<ComfyOutput[]> {
    const { client } = this.lease
    const { outputNode } = this.template
    const refs = outputFiles(entry, outputNode)
    if (refs.length === 0) {
      throw new KamuiError(
        'COMFY_002',
        `${this.label}: the workflow finished, but its output node ${outputNode} (${this.workflow[outputNode]?.class_type}) listed no file in /history.`,
        { retryable: false },
      )
    }
    const outputs: ComfyOutput[] = []
    for (const ref of refs) {
      const view = await client.view(ref, this.opts.signal, this.opts.maxDownloadBytes)
      outputs.push({
        bytes: view.bytes,
        filename: ref.filename,
        subfolder: ref.subfolder,
        type: ref.type,
        mediaType: mediaTypeOf(ref.filename, view.contentType),
        nodeId: outputNode,
      })
    }
    return outputs
  }

  /** Closes the socket and releases the server (idempotent). */
  close(): void {
    this.detach()
    this.socket?.close()
    this.lease.release()
  }
}

/** The completion of a prompt the server had finished before we asked (its history entry). */
function knownCompletion(client: ComfyClient, entry: HistoryEntry) {
  if (entry.status?.status_str === 'error') throw historyFailure(client.url, entry)
  return {
    entry,
    signal: 'history' as const,
    historyPolls: 0,
    previews: 0,
    unattributedFrames: 0,
    queueWaitMs: null,
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>)
}

/**
 * A 200 whose `node_errors` is not empty queued the outputs that validated. When our output is
 * among the dropped ones (a failing node lists it in `dependent_outputs`) the job cannot
 * succeed: COMFY_001 at once. Otherwise each error is a warning.
 */
function checkNodeErrors(
  client: ComfyClient,
  template: ComfyTemplate,
  nodeErrors: Record<string, NodeError>,
  warnings: string[],
  logger: Logger,
  label: string,
): void {
  const entries = Object.entries(nodeErrors)
  if (entries.length === 0) return
  const ours = entries.some(
    ([id, entry]) =>
      id === template.outputNode ||
      (entry.dependent_outputs ?? []).map(String).includes(template.outputNode),
  )
  if (ours) {
    throw rejectedError(client.url, {
      type: 'prompt_outputs_failed_validation',
      message: `the output node ${template.outputNode} failed validation and was dropped`,
      nodeErrors,
    })
  }
  for (const line of describeNodeErrors(nodeErrors)) {
    const warning = `${label}: queued with a validation error on another output: ${line}`
    warnings.push(warning)
    logger.warn(warning)
  }
}

/**
 * Stops our prompt on the server, touching nothing else: it is looked up in `/queue` first;
 * running → `POST /interrupt {prompt_id}` (servers before v0.3.57 ignore the id and interrupt
 * whatever runs, which is then ours), pending → `POST /queue {delete: [id]}`, neither → nothing
 * (it already ended). Its own 5 s deadline, since the job's signal has usually aborted; failures
 * are logged, never thrown.
 */
async function cancelOnServer(
  client: ComfyClient,
  promptId: string,
  logger: Logger,
  label: string,
  why: unknown,
): Promise<void> {
  const signal = AbortSignal.timeout(5000)
  try {
    const queue = await client.queue(signal, { once: true, timeoutMs: 5000 })
    if (queue.running.includes(promptId)) {
      await client.interrupt(promptId, signal)
      logger.info(`${label}: interrupted on the server (${errorMessage(why)}).`)
    } else if (queue.pending.includes(promptId)) {
      await client.deleteQueued([promptId], signal)
      logger.info(`${label}: removed from the server's queue (${errorMessage(why)}).`)
    }
  } catch (error) {
    logger.warn(`${label}: could not stop the prompt on the server: ${errorMessage(error)}`)
  }
}
