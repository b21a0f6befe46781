import pRetry, { AbortError } from 'p-retry'
import { WebSocket, type RawData } from 'ws'
import type { Logger } from '../../core/logger.js'
import { decodeBinaryFrame, decodeTextFrame, type ComfyEvent } from './ws-frames.js'

/**
 * The WebSocket side of following a prompt (ComfyUI `server.py` WebSocket messages).
 *
 * - The socket is opened with our own `clientId` before the prompt is submitted, and the first
 *   text frame announces `supports_preview_metadata` (servers since v0.3.45 then send binary
 *   type 4 previews, which name their prompt).
 * - A connection counts as working only once a first message arrived (ComfyUI greets every
 *   socket with a `status` message): a socket that opens and then stays mute is not trusted.
 * - After a drop the socket reconnects with exponential backoff and jitter (p-retry), a bounded
 *   number of times; a 4xx handshake answer (403 from the origin check or a proxy) is not
 *   retried at all, which avoids the hot reconnect loop of comfyui-sdk #21. Events missed while
 *   disconnected, and the same-`clientId` reconnect bug (ComfyUI #16010: the replacement socket
 *   is silently unregistered), are covered by the waiter's `/history` polling, which starts as
 *   soon as the socket is down or silent.
 */

/** Where the socket stands. `failed`: gave up; the waiter relies on `/history` polling. */
export type SocketState = 'connecting' | 'open' | 'reconnecting' | 'closed' | 'failed'

/** Options of {@link ComfySocket}. */
export interface ComfySocketOptions {
  /** `ws://host/ws?clientId=…` (or `/api/ws`). */
  url: string
  /** Handshake headers (reverse-proxy auth). */
  headers?: Record<string, string>
  logger: Logger
  /** The server as named in logs. */
  label: string
  /** Receives every decoded frame, unfiltered. */
  onEvent: (event: ComfyEvent) => void
  /** Called after each state change (the waiter wakes up to decide whether to poll). */
  onStateChange?: (state: SocketState) => void
  /** How long the first message may take after the handshake, ms (default 5000). */
  greetingTimeoutMs?: number
  /** Connection attempts after a drop (default 5). */
  reconnectAttempts?: number
  /** First backoff delay, ms (default 250; doubles, randomised, up to `maxReconnectDelayMs`). */
  minReconnectDelayMs?: number
  /** Longest backoff delay, ms (default 5000). */
  maxReconnectDelayMs?: number
}

export class ComfySocket {
  state: SocketState = 'connecting'
  /** `performance.now()` of the last frame received (any frame, any prompt). */
  lastMessageAt = 0
  /** Successful reconnections after a drop. */
  reconnects = 0
  private ws: WebSocket | undefined
  private readonly stop = new AbortController()
  private readonly options: ComfySocketOptions

  constructor(options: ComfySocketOptions) {
    this.options = options
  }

  /**
   * Connects (one attempt, then one retry after the first backoff delay).
   *
   * @returns true when connected and greeted; false when the socket could not be used (the
   *   reason is logged as a warning and the caller follows the prompt by polling)
   */
  async open(): Promise<boolean> {
    try {
      await this.connectWithRetry(2)
      return true
    } catch (error) {
      this.setState('failed')
      this.options.logger.warn(
        `ComfyUI ${this.options.label}: WebSocket unavailable (${describe(error)}); following the prompt by polling /history.`,
      )
      return false
    }
  }

  /** Closes the socket for good (no reconnection). */
  close(): void {
    this.stop.abort()
    this.setState('closed')
    const ws = this.ws
    this.ws = undefined
    if (ws && ws.readyState !== WebSocket.CLOSED) ws.terminate()
  }

  private async connectWithRetry(attempts: number): Promise<void> {
    const ws = await pRetry(() => this.connectOnce(), {
      retries: attempts - 1,
      minTimeout: this.options.minReconnectDelayMs ?? 250,
      maxTimeout: this.options.maxReconnectDelayMs ?? 5000,
      factor: 2,
      randomize: true,
      signal: this.stop.signal,
      onFailedAttempt: ({ error, retriesLeft }) => {
        if (retriesLeft > 0) {
          this.options.logger.debug(
            `ComfyUI ${this.options.label}: WebSocket attempt failed (${describe(error)}); ${retriesLeft} left.`,
          )
        }
      },
    })
    if (this.stop.signal.aborted) {
      ws.terminate()
      return
    }
    this.ws = ws
    this.setState('open')
    // It may have closed between the greeting and now, unseen by its close handler.
    if (ws.readyState !== WebSocket.OPEN) this.dropped()
  }

  /** One handshake; resolves once the first message arrived. */
  private connectOnce(): Promise<WebSocket> {
    const { url, headers } = this.options
    const greetingTimeoutMs = this.options.greetingTimeoutMs ?? 5000
    return new Promise<WebSocket>((resolve, reject) => {
      if (this.stop.signal.aborted) return reject(new AbortError('socket closed'))
      const ws = new WebSocket(url, { headers: headers ?? {}, handshakeTimeout: greetingTimeoutMs })
      let greeted = false
      const timer = setTimeout(() => {
        ws.terminate()
        reject(new Error(`no message within ${greetingTimeoutMs} ms of connecting`))
      }, greetingTimeoutMs)
      const fail = (error: Error): void => {
        clearTimeout(timer)
        if (greeted) return
        const status = /Unexpected server response: (\d{3})/.exec(error.message)?.[1]
        // A 4xx will not change by retrying (origin check, proxy auth, no WebSocket route).
        reject(status && status.startsWith('4') ? new AbortError(error.message) : error)
      }
      ws.on('open', () => {
        ws.send(
          JSON.stringify({ type: 'feature_flags', data: { supports_preview_metadata: true } }),
        )
      })
      ws.on('message', (data: RawData, isBinary: boolean) => {
        if (!greeted) {
          greeted = true
          clearTimeout(timer)
          resolve(ws)
        }
        this.receive(data, isBinary)
      })
      ws.on('error', fail)
      ws.on('close', () => {
        if (!greeted) return fail(new Error('closed during the handshake'))
        if (this.ws === ws) this.dropped()
      })
    })
  }

  private receive(data: RawData, isBinary: boolean): void {
    this.lastMessageAt = performance.now()
    const buffer = Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.isBuffer(data)
        ? data
        : Buffer.from(data)
    const event = isBinary ? decodeBinaryFrame(buffer) : decodeTextFrame(buffer.toString('utf8'))
    if (event) this.options.onEvent(event)
  }

  private dropped(): void {
    this.ws = undefined
    if (this.stop.signal.aborted) return
    this.setState('reconnecting')
    this.options.logger.info(`ComfyUI ${this.options.label}: WebSocket dropped; reconnecting.`)
    this.connectWithRetry(this.options.reconnectAttempts ?? 5).then(
      () => {
        if (this.stop.signal.aborted) return
        this.reconnects += 1
        this.options.logger.info(`ComfyUI ${this.options.label}: WebSocket reconnected.`)
      },
      (error: unknown) => {
        if (this.stop.signal.aborted) return
        this.setState('failed')
        this.options.logger.warn(
          `ComfyUI ${this.options.label}: WebSocket could not reconnect (${describe(error)}); following the prompt by polling /history.`,
        )
      },
    )
  }

  private setState(state: SocketState): void {
    if (this.state === state) return
    if (this.state === 'closed') return
    this.state = state
    this.options.onStateChange?.(state)
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
