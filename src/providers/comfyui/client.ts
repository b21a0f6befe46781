import { KamuiError } from '../../core/errors.js'
import { asNodeErrors, parseErrorBody, rejectedError } from './errors.js'
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  readCapped,
  retryRead,
  statusError,
  timedFetch,
} from './http.js'
import type {
  ApiWorkflow,
  FileRef,
  HistoryEntry,
  QueueSnapshot,
  SubmitResult,
  SystemStats,
  UploadResult,
} from './types.js'

/**
 * REST client of one ComfyUI server (ComfyUI `server.py`). Every route exists under `/api` (since
 * June 2024) and bare; reverse proxies sometimes expose only one of the two, so the client
 * finds out which answers ({@link ComfyClient.routePrefix}) and then uses it for every request,
 * the WebSocket included.
 */

/** How routes are addressed: found out (`auto`), always `/api/…`, or always bare. */
export type RouteStyle = 'auto' | 'api' | 'bare'

/** Options of {@link ComfyClient}. */
export interface ComfyClientOptions {
  /** `fetch` to use (default: the global one). */
  fetch?: typeof fetch
  /** Headers sent with every request and the WebSocket handshake (reverse-proxy auth). */
  headers?: Record<string, string>
  /** Deadline of one request, ms (default 30 s). */
  requestTimeoutMs?: number
  routes?: RouteStyle
}

/** How one read is made. */
export interface ReadOptions {
  /** Deadline of the request, ms (default: the client's). */
  timeoutMs?: number
  /** One attempt, no retry (health checks). */
  once?: boolean
}

/** A downloaded output file. */
export interface ViewResult {
  bytes: Buffer
  /** The `Content-Type` ComfyUI sent (guessed from the extension on its side), if any. */
  contentType: string | undefined
}

/** Default cap of one `/view` download: 512 MiB (videos), in bytes. */
export const DEFAULT_MAX_VIEW_BYTES = 512 * 1024 * 1024

export class ComfyClient {
  /** Base URL without a trailing slash, as given (it may carry a proxy path). */
  readonly url: string
  private readonly options: ComfyClientOptions
  private prefix: Promise<'/api' | ''> | undefined

  constructor(url: string, options: ComfyClientOptions = {}) {
    this.url = url.replace(/\/+$/, '')
    this.options = options
    if (options.routes === 'api') this.prefix = Promise.resolve('/api')
    if (options.routes === 'bare') this.prefix = Promise.resolve('')
  }

  /**
   * `/api` or `''`: which route style this server answers. Found once with `GET /api/queue`,
   * then `GET /queue` when that is 404 / 405; a network failure is not cached (the next call
   * asks again).
   *
   * @throws KamuiError IMG_008 when the server is not reachable, COMFY_001 when neither route
   *   style answers
   */
  async routePrefix(signal?: AbortSignal, timeoutMs?: number): Promise<'/api' | ''> {
    if (!this.prefix) {
      const probe = this.probePrefix(signal, timeoutMs)
      this.prefix = probe
      probe.catch(() => {
        if (this.prefix === probe) this.prefix = undefined
      })
    }
    return this.prefix
  }

  private async probePrefix(signal?: AbortSignal, timeoutMs?: number): Promise<'/api' | ''> {
    for (const prefix of ['/api', ''] as const) {
      const what = `GET ${prefix}/queue of ${this.url}`
      const response = await timedFetch(`${this.url}${prefix}/queue`, what, {
        ...this.fetchOptions(signal),
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      })
      if (response.ok) {
        const json = (await response.json().catch(() => undefined)) as unknown
        if (json && typeof json === 'object' && 'queue_running' in json) return prefix
        continue
      }
      await response.body?.cancel().catch(() => undefined)
      if (response.status !== 404 && response.status !== 405)
        throw await statusError(response, what)
    }
    throw new KamuiError(
      'COMFY_001',
      `${this.url} does not look like a ComfyUI server: neither /api/queue nor /queue answered with a queue.`,
      { retryable: false },
    )
  }

  /** `ws://…/ws?clientId=…` (or `/api/ws`), in the route style this server answers. */
  async wsUrl(clientId: string, signal?: AbortSignal): Promise<string> {
    const prefix = await this.routePrefix(signal)
    const url = new URL(`${this.url}${prefix}/ws`)
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
    url.searchParams.set('clientId', clientId)
    return url.href
  }

  /** Headers for the WebSocket handshake. */
  get headers(): Record<string, string> {
    return { ...this.options.headers }
  }

  /**
   * `GET /queue`: the prompt ids running and pending.
   *
   * @param read `timeoutMs`: deadline of this request; `once`: no retry (health checks)
   */
  async queue(signal?: AbortSignal, read: ReadOptions = {}): Promise<QueueSnapshot> {
    const json = await this.getJson('/queue', signal, read)
    const record = (json ?? {}) as { queue_running?: unknown; queue_pending?: unknown }
    return { running: promptIds(record.queue_running), pending: promptIds(record.queue_pending) }
  }

  /** `GET /system_stats` (memory in bytes). */
  async systemStats(signal?: AbortSignal, read: ReadOptions = {}): Promise<SystemStats> {
    return ((await this.getJson('/system_stats', signal, read)) ?? {}) as SystemStats
  }

  /**
   * `GET /history/{id}`: the entry, or `undefined` while the prompt is queued or running (the
   * server answers `{}` then, with HTTP 200).
   */
  async history(promptId: string, signal?: AbortSignal): Promise<HistoryEntry | undefined> {
    const json = (await this.getJson(`/history/${encodeURIComponent(promptId)}`, signal)) as Record<
      string,
      HistoryEntry
    > | null
    const entry = json?.[promptId]
    return entry && typeof entry === 'object' ? entry : undefined
  }

  /**
   * `POST /prompt` with our `client_id` and a client-chosen `prompt_id` (honoured since
   * v0.3.45; older servers pick their own, which is what the answer carries).
   *
   * A 200 may carry a non-empty `node_errors`: those outputs were dropped and the rest queued.
   *
   * @throws KamuiError COMFY_001 for a 400 (string or object `error`, with the failing nodes
   *   named), IMG_008 / IMG_007 for transport and auth failures
   */
  async submit(
    workflow: ApiWorkflow,
    ids: { clientId: string; promptId: string },
    signal?: AbortSignal,
  ): Promise<SubmitResult> {
    const path = await this.path('/prompt', signal)
    const what = `POST /prompt of ${this.url}`
    const response = await timedFetch(`${this.url}${path}`, what, {
      ...this.fetchOptions(signal),
      method: 'POST',
      headers: { ...this.options.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: workflow, client_id: ids.clientId, prompt_id: ids.promptId }),
    })
    const text = await response.text().catch(() => '')
    if (response.status === 400) throw rejectedError(this.url, parseErrorBody(text), 400)
    if (!response.ok) {
      throw await statusError(
        new Response(text, { status: response.status, headers: response.headers }),
        what,
      )
    }
    let json: { prompt_id?: unknown; number?: unknown; node_errors?: unknown }
    try {
      json = JSON.parse(text) as typeof json
    } catch {
      throw new KamuiError('COMFY_001', `${what} answered 200 without JSON: ${text.slice(0, 200)}`)
    }
    if (typeof json.prompt_id !== 'string' || json.prompt_id === '') {
      throw new KamuiError('COMFY_001', `${what} answered without a prompt_id.`)
    }
    return {
      promptId: json.prompt_id,
      number: typeof json.number === 'number' ? json.number : undefined,
      nodeErrors: asNodeErrors(json.node_errors),
    }
  }

  /**
   * `POST /upload/image` (multipart field `image`, `type: input`, no overwrite). Without
   * overwrite a clash is renamed `name (1).ext` by the server: always use the returned name.
   */
  async upload(bytes: Uint8Array, filename: string, signal?: AbortSignal): Promise<UploadResult> {
    const path = await this.path('/upload/image', signal)
    const what = `POST /upload/image of ${this.url}`
    const form = new FormData()
    form.append('image', new Blob([bytes]), filename)
    form.append('type', 'input')
    form.append('overwrite', 'false')
    const response = await timedFetch(`${this.url}${path}`, what, {
      ...this.fetchOptions(signal),
      method: 'POST',
      body: form,
    })
    if (!response.ok) {
      if (response.status === 413) {
        await response.body?.cancel().catch(() => undefined)
        throw new KamuiError(
          'COMFY_001',
          `${what}: the image (${bytes.byteLength} bytes) is larger than the server's --max-upload-size.`,
          { retryable: false },
        )
      }
      throw await statusError(response, what)
    }
    const json = (await response.json().catch(() => undefined)) as Partial<UploadResult> | undefined
    if (!json || typeof json.name !== 'string' || json.name === '') {
      throw new KamuiError('COMFY_001', `${what} answered without the stored file name.`)
    }
    return { name: json.name, subfolder: json.subfolder ?? '', type: json.type ?? 'input' }
  }

  /**
   * `GET /view?filename&subfolder&type`: an output file's bytes.
   *
   * @throws KamuiError COMFY_002 when the server answers 404 for a file its history listed,
   *   GEN_002 over `maxBytes`, and the transport errors
   */
  async view(
    ref: FileRef,
    signal?: AbortSignal,
    maxBytes = DEFAULT_MAX_VIEW_BYTES,
  ): Promise<ViewResult> {
    const query = new URLSearchParams({
      filename: ref.filename,
      subfolder: ref.subfolder,
      type: ref.type,
    })
    const shown = `${ref.subfolder ? `${ref.subfolder}/` : ''}${ref.filename} [${ref.type}]`
    const what = `GET /view of ${this.url} for ${shown}`
    return retryRead(async () => {
      const path = await this.path('/view', signal)
      const response = await timedFetch(`${this.url}${path}?${query}`, what, {
        ...this.fetchOptions(signal),
        timeoutMs: Math.max(this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, 120_000),
      })
      if (response.status === 404) {
        await response.body?.cancel().catch(() => undefined)
        throw new KamuiError(
          'COMFY_002',
          `ComfyUI at ${this.url} listed ${shown} as an output, but /view answered 404 (the file is gone from its output folder).`,
          { retryable: false },
        )
      }
      if (!response.ok) throw await statusError(response, what)
      const bytes = await readCapped(response, maxBytes, what)
      if (bytes.length === 0) {
        throw new KamuiError('GEN_002', `${what} returned an empty file.`, { retryable: false })
      }
      return { bytes, contentType: response.headers.get('content-type') ?? undefined }
    }, signal)
  }

  /**
   * `POST /interrupt {prompt_id}`: interrupts that prompt only if it is the one running (since
   * v0.3.57; older servers interrupt whatever runs — the reason a bare interrupt is never sent).
   */
  async interrupt(promptId: string, signal?: AbortSignal): Promise<void> {
    await this.postJson('/interrupt', { prompt_id: promptId }, signal)
  }

  /** `POST /queue {delete:[ids]}`: removes pending prompts (running ones are not touched). */
  async deleteQueued(promptIds: string[], signal?: AbortSignal): Promise<void> {
    await this.postJson('/queue', { delete: promptIds }, signal)
  }

  /** `POST /free`: asks the server to unload models and free memory (asynchronous on its side). */
  async free(
    body: { unload_models?: boolean; free_memory?: boolean },
    signal?: AbortSignal,
  ): Promise<void> {
    await this.postJson('/free', body, signal)
  }

  private async getJson(
    route: string,
    signal?: AbortSignal,
    read: ReadOptions = {},
  ): Promise<unknown> {
    const { timeoutMs } = read
    const attempt = async (): Promise<unknown> => {
      const path = await this.path(route, signal, timeoutMs)
      const what = `GET ${route} of ${this.url}`
      const response = await timedFetch(`${this.url}${path}`, what, {
        ...this.fetchOptions(signal),
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      })
      if (!response.ok) throw await statusError(response, what)
      const text = await response.text()
      try {
        return JSON.parse(text) as unknown
      } catch {
        throw new KamuiError(
          'IMG_008',
          `${what} answered with something that is not JSON: ${text.slice(0, 120)}`,
          {
            retryable: true,
          },
        )
      }
    }
    return read.once ? attempt() : retryRead(attempt, signal)
  }

  private async postJson(route: string, body: unknown, signal?: AbortSignal): Promise<void> {
    const path = await this.path(route, signal)
    const what = `POST ${route} of ${this.url}`
    const response = await timedFetch(`${this.url}${path}`, what, {
      ...this.fetchOptions(signal),
      method: 'POST',
      headers: { ...this.options.headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    if (!response.ok) throw await statusError(response, what)
    await response.body?.cancel().catch(() => undefined)
  }

  private async path(route: string, signal?: AbortSignal, timeoutMs?: number): Promise<string> {
    return `${await this.routePrefix(signal, timeoutMs)}${route}`
  }

  private fetchOptions(signal?: AbortSignal): {
    signal?: AbortSignal
    headers?: Record<string, string>
    fetch?: typeof fetch
    timeoutMs?: number
  } {
    return {
      ...(signal ? { signal } : {}),
      ...(this.options.headers ? { headers: this.options.headers } : {}),
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
      ...(this.options.requestTimeoutMs !== undefined
        ? { timeoutMs: this.options.requestTimeoutMs }
        : {}),
    }
  }
}

/** Prompt ids of `queue_running` / `queue_pending` items (`[number, prompt_id, …]`). */
function promptIds(items: unknown): string[] {
  if (!Array.isArray(items)) return []
  const ids: string[] = []
  for (const item of items) {
    if (Array.isArray(item) && typeof item[1] === 'string') ids.push(item[1])
    // The cloud / jobs shape: objects with an id.
    else if (
      item &&
      typeof item === 'object' &&
      typeof (item as { prompt_id?: unknown }).prompt_id === 'string'
    ) {
      ids.push((item as { prompt_id: string }).prompt_id)
    }
  }
  return ids
}
