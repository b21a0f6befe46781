import { abortReason } from '../../core/abort.js'
import { KamuiError } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import type { ComfyClient } from './client.js'
import {
  executionError,
  historyFailure,
  interruptedError,
  type ExecutionErrorData,
} from './errors.js'
import { ProgressLog } from './progress.js'
import type { ComfySocket, SocketState } from './socket.js'
import type { HistoryEntry } from './types.js'
import { eventPromptId, type ComfyEvent } from './ws-frames.js'

/**
 * Following one prompt to its end, combining the WebSocket and `/history`:
 *
 * 1. Events are collected from the moment the socket opens (before `POST /prompt`: a fast
 *    prompt can finish before its answer arrives), and only those whose `prompt_id` is ours
 *    count. `status` broadcasts, `progress` of other prompts, the reconnect `executing` without
 *    an id, and the events of prompts queued without a client id (broadcast to every socket)
 *    never move our prompt along.
 * 2. Done: `executing {node: null}` (every version; sent after the history entry is written) or
 *    `execution_success` (v0.0.3+; sent *before* the entry is written). Failed:
 *    `execution_error` (COMFY_002 naming node, class and message; out-of-memory → IMG_010) or
 *    `execution_interrupted`.
 * 3. Whenever the socket is down, reconnecting, unusable, or silent for `silenceMs`, and once
 *    right after every reconnection, `/history/{id}` is polled every `pollIntervalMs`. While it
 *    answers `{}` the prompt is queued or running; `/queue` tells which, and a prompt that is in
 *    neither (deleted, server restarted) twice in a row is reported instead of waited for
 *    forever (the "WentMissing" case).
 * 4. The outputs are always taken from `/history/{id}`, never from `executed` events.
 */

/** Which signal ended the wait. */
export type CompletionSignal = 'executing_null' | 'execution_success' | 'history'

/** What {@link PromptFollower.wait} returns. */
export interface Completion {
  entry: HistoryEntry
  signal: CompletionSignal
  /** `/history` polls made while waiting (the read after a completion event not counted). */
  historyPolls: number
  /** Preview images that named our prompt (binary type 4). */
  previews: number
  /** Binary frames that name no prompt (type 1 previews, type 3 progress text). */
  unattributedFrames: number
  /** From submission to `execution_start`, ms; null when that event was not seen. */
  queueWaitMs: number | null
}

/** Options of {@link PromptFollower}. */
export interface FollowOptions {
  /** Aborting ends the wait with the signal's reason (IMG_003 on deadlines). */
  signal: AbortSignal
  logger: Logger
  /** Prefix of log lines, e.g. `ComfyUI http://127.0.0.1:8188 prompt 1a2b3c4d`. */
  label: string
  /** `/history` poll interval while the socket cannot be relied on, ms (default 1000). */
  pollIntervalMs?: number
  /** Socket silence after which polling starts, ms (default 5000). */
  silenceMs?: number
  /** Shortest interval between two progress lines, ms (default 2000). */
  progressIntervalMs?: number
  /** Longest wait for the history entry after a completion event, ms (default 30 000). */
  historyGraceMs?: number
  /** Class of a node id, for log lines. */
  classOf?: (node: string) => string | undefined
  /** Every sampler step, unthrottled (see `ComfyJobOptions.onProgress`). */
  onProgress?: (progress: { progress: number; total?: number; message?: string }) => void
}

/** Events kept before the prompt id is known (a bound against a flood of broadcasts). */
const MAX_BUFFERED = 5000

export class PromptFollower {
  private promptId: string | undefined
  private readonly buffered: ComfyEvent[] = []
  private readonly queue: ComfyEvent[] = []
  private wakeUp: (() => void) | undefined
  private pollSoon = false
  private dropped = false
  private socket: ComfySocket | undefined
  private socketSince = performance.now()
  private readonly progress: ProgressLog
  private readonly options: FollowOptions
  private readonly client: ComfyClient
  private previews = 0
  private unattributed = 0

  constructor(client: ComfyClient, options: FollowOptions) {
    this.client = client
    this.options = options
    this.progress = new ProgressLog(
      options.logger,
      options.label,
      options.progressIntervalMs ?? 2000,
      options.classOf,
    )
  }

  /** The socket whose events feed this follower (optional: without one, polling only). */
  attach(socket: ComfySocket): void {
    this.socket = socket
    this.socketSince = performance.now()
  }

  /** Hand to {@link ComfySocket}'s `onEvent`. */
  readonly onEvent = (event: ComfyEvent): void => {
    if (event.kind === 'preview' && event.binaryType === 1) this.unattributed += 1
    if (event.kind === 'progress_text') this.unattributed += 1
    if (this.promptId === undefined) {
      if (this.buffered.length < MAX_BUFFERED) this.buffered.push(event)
      return
    }
    if (eventPromptId(event) !== this.promptId) return
    this.queue.push(event)
    this.wakeUp?.()
  }

  /** Hand to {@link ComfySocket}'s `onStateChange`. */
  readonly onSocketState = (state: SocketState): void => {
    if (state === 'reconnecting') this.dropped = true
    if (state === 'open') {
      // Events may have been lost while disconnected: look at the history once.
      if (this.dropped) this.pollSoon = true
      this.socketSince = performance.now()
    }
    this.wakeUp?.()
  }

  /**
   * Waits until prompt `promptId` (submitted at `submittedAt`, a `performance.now()` value) is
   * done and returns its history entry.
   *
   * @throws KamuiError COMFY_002 (a node failed, interrupted by someone else, the prompt went
   *   missing, or no history entry after a completion event), IMG_010 (out of GPU memory), the
   *   signal's reason when aborted, and the client's transport errors
   */
  async wait(promptId: string, submittedAt: number): Promise<Completion> {
    const { signal } = this.options
    const pollIntervalMs = this.options.pollIntervalMs ?? 1000
    const silenceMs = this.options.silenceMs ?? 5000
    this.promptId = promptId
    for (const event of this.buffered.splice(0)) {
      if (eventPromptId(event) === promptId) this.queue.push(event)
    }
    const state = {
      done: undefined as CompletionSignal | undefined,
      queueWaitMs: null as number | null,
    }
    let polls = 0
    let missing = 0
    let lastPollAt = Number.NEGATIVE_INFINITY
    let fromHistory: HistoryEntry | undefined

    while (state.done === undefined) {
      if (signal.aborted) throw abortReason(signal)
      const event = this.queue.shift()
      if (event) {
        this.handle(event, state, submittedAt)
        continue
      }
      const now = performance.now()
      const socket = this.socket
      const heardAt = Math.max(socket?.lastMessageAt ?? 0, this.socketSince)
      const trusted = socket !== undefined && socket.state === 'open' && now - heardAt < silenceMs
      if ((!trusted || this.pollSoon) && now - lastPollAt >= pollIntervalMs) {
        this.pollSoon = false
        lastPollAt = now
        polls += 1
        const entry = await this.client.history(promptId, signal)
        if (entry && isFinished(entry)) {
          fromHistory = entry
          state.done = 'history'
          break
        }
        if (!entry) {
          const queue = await this.client.queue(signal)
          if (queue.running.includes(promptId) || queue.pending.includes(promptId)) {
            missing = 0
          } else if (!this.queue.length) {
            // It may have finished between the two reads: look once more.
            const again = await this.client.history(promptId, signal)
            if (again && isFinished(again)) {
              fromHistory = again
              state.done = 'history'
              break
            }
            missing += 1
            if (missing >= 2) {
              throw new KamuiError(
                'COMFY_002',
                `${this.options.label}: the prompt is neither queued, running nor in the history (deleted from the queue, or the server restarted).`,
                { retryable: false },
              )
            }
          }
        }
        continue
      }
      const untilPoll = Math.max(lastPollAt + pollIntervalMs - now, 0)
      const untilSilent = trusted ? Math.max(heardAt + silenceMs - now, 0) : untilPoll
      await this.sleepUntilWoken(Math.max(Math.min(untilPoll, untilSilent), 10))
    }

    const entry = fromHistory ?? (await this.readHistory(promptId))
    if (entry.status?.status_str === 'error') throw historyFailure(this.client.url, entry)
    return {
      entry,
      signal: state.done,
      historyPolls: polls,
      previews: this.previews,
      unattributedFrames: this.unattributed,
      queueWaitMs: state.queueWaitMs,
    }
  }

  /** One event of our prompt. */
  private handle(
    event: ComfyEvent,
    state: { done: CompletionSignal | undefined; queueWaitMs: number | null },
    submittedAt: number,
  ): void {
    if (event.kind === 'preview') {
      this.previews += 1
      this.options.logger.debug(
        `${this.options.label}: preview ${event.mediaType}, ${event.bytes.length} bytes${event.nodeId ? ` from node ${event.nodeId}` : ''}.`,
      )
      return
    }
    if (event.kind !== 'message') return
    const data = event.data
    switch (event.type) {
      case 'execution_start':
        state.queueWaitMs = Math.max(0, Math.round(performance.now() - submittedAt))
        this.progress.started(state.queueWaitMs)
        return
      case 'execution_cached': {
        const nodes = Array.isArray(data['nodes']) ? data['nodes'] : []
        if (nodes.length > 0)
          this.options.logger.debug(`${this.options.label}: cached nodes ${nodes.join(', ')}.`)
        return
      }
      case 'executing':
        if (data['node'] === null) state.done = 'executing_null'
        else if (data['node'] !== undefined) this.progress.executing(String(data['node']))
        return
      case 'progress': {
        const value = Number(data['value'])
        const max = Number(data['max'])
        if (Number.isFinite(value) && Number.isFinite(max)) {
          const node = data['node'] != null ? String(data['node']) : undefined
          this.progress.tick(value, max, node)
          const cls = node === undefined ? undefined : this.options.classOf?.(node)
          this.options.onProgress?.({
            progress: value,
            total: max,
            message: `${cls ?? (node !== undefined ? `node ${node}` : 'sampler')} step ${value}/${max}`,
          })
        }
        return
      }
      case 'execution_success':
        state.done = 'execution_success'
        return
      case 'execution_error':
        throw executionError(this.client.url, data as ExecutionErrorData)
      case 'execution_interrupted':
        throw interruptedError(this.client.url, data as ExecutionErrorData)
      default:
        return
    }
  }

  /**
   * The history entry after a completion event. `execution_success` comes before the server
   * writes it, so `{}` is retried (100 ms, doubling, up to the poll interval) for `historyGraceMs`.
   */
  private async readHistory(promptId: string): Promise<HistoryEntry> {
    const { signal } = this.options
    const graceMs = this.options.historyGraceMs ?? 30_000
    const cap = Math.max(this.options.pollIntervalMs ?? 1000, 100)
    const started = performance.now()
    let delay = 100
    for (;;) {
      const entry = await this.client.history(promptId, signal)
      if (entry) return entry
      if (performance.now() - started > graceMs) {
        throw new KamuiError(
          'COMFY_002',
          `${this.options.label}: the server signalled completion, but /history has no entry for the prompt after ${Math.round(graceMs / 1000)} s.`,
          { retryable: false },
        )
      }
      await this.sleepUntilWoken(delay)
      if (signal.aborted) throw abortReason(signal)
      delay = Math.min(delay * 2, cap)
    }
  }

  private sleepUntilWoken(ms: number): Promise<void> {
    const { signal } = this.options
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        signal.removeEventListener('abort', done)
        this.wakeUp = undefined
        resolve()
      }
      const timer = setTimeout(done, ms)
      signal.addEventListener('abort', done, { once: true })
      this.wakeUp = done
    })
  }
}

/**
 * Whether a history entry is final: `status.completed`, or `status_str` set (`error` entries of
 * interrupted prompts have `completed: false`), or — on servers older than the `status` field
 * (PR #2523) — the mere presence of the entry.
 */
function isFinished(entry: HistoryEntry): boolean {
  if (!entry.status) return true
  return entry.status.completed === true || typeof entry.status.status_str === 'string'
}
