/**
 * Error codes and the one error class every stage throws.
 *
 * IMG_001 … IMG_010 are the codes of SPEC §5 and keep their meaning exactly. The other
 * prefixes are this suite's own stage codes:
 *
 * - `CFG_*`  configuration and input problems outside the IMG list (fail fast, never retried)
 * - `FS_*`   file-system and workspace problems (FS_002 wraps operating-system errors with the path)
 * - `NET_*`  network targets refused (private and loopback addresses, unless allowed)
 * - `URL_*`  URLs a model returned that cannot be written to an output or a file
 * - `MCP_*`  MCP transport problems (server crashed, protocol garbage)
 * - `GEN_*`  a model ran but its answer is unusable (job failed, media invalid)
 * - `PUB_*`  publishing a results folder (git commit and push, workflow artifact)
 * - `COMFY_*` ComfyUI rejected or failed a workflow
 * - `LLM_*`  the local LLM (LM Studio, Ollama) is unavailable or answered unusably
 * - `KF_*`   keyframes stage input problems and failed segments
 * - `VID_*`  video stage problems (ffmpeg, video jobs, input images)
 * - `PC_*`   point-cloud stage problems (depth sources)
 * - `QA_*`   quality and story-figure models on the CPU (CLIP, sentence embeddings) unavailable
 * - `WEB_*`  web player and viewer inputs
 * - `SHARD_*` sharded runs (issue 13): a shard or manifest that does not match, nothing to merge
 * - `COST_*` the run's budget (`max-cost-usd`): a job that would exceed it is not submitted
 */
export const ERROR_CODES = {
  IMG_001: 'invalid image count',
  IMG_002: 'model not available',
  IMG_003: 'generation timeout',
  IMG_004: 'quality threshold not met',
  IMG_005: 'insufficient storage',
  IMG_006: 'rate limit exceeded',
  IMG_007: 'authentication failure',
  IMG_008: 'network failure',
  IMG_009: 'prompt validation failed',
  IMG_010: 'resource allocation failure',
  CFG_001: 'invalid input',
  CFG_002: 'invalid mcp-config',
  CFG_003: 'invalid model registry',
  FS_001: 'path outside the workspace',
  FS_002: 'file system error',
  FS_003: 'invalid output folder',
  MCP_001: 'MCP server connection lost',
  MCP_002: 'MCP protocol error',
  GEN_001: 'generation job failed',
  GEN_002: 'invalid media',
  PUB_001: 'publishing results failed',
  COMFY_001: 'ComfyUI rejected the workflow',
  COMFY_002: 'ComfyUI workflow execution failed',
  LLM_001: 'local LLM unavailable',
  LLM_002: 'local LLM answer unusable',
  LLM_003: 'local LLM model not found',
  KF_001: 'invalid product images',
  KF_002: 'invalid storyboard',
  KF_003: 'keyframe segment failed',
  VID_001: 'ffmpeg not available',
  VID_002: 'video generation failed',
  VID_003: 'input image unavailable',
  PC_001: 'no depth source',
  PC_002: 'invalid depth image',
  PC_003: 'CPU depth model unavailable',
  WEB_001: 'invalid web player input',
  RUN_001: 'run cancelled',
  NET_001: 'download target refused',
  URL_001: 'unsafe URL refused',
  COST_001: 'budget exceeded',
  SHARD_001: 'shard or shard manifest does not match the run',
  SHARD_002: 'no shard folder to merge',
  QA_001: 'CPU quality model unavailable',
} as const

export type ErrorCode = keyof typeof ERROR_CODES

/** Options of {@link KamuiError}. */
export interface KamuiErrorOptions {
  /** The underlying error, kept for logs and debugging (never shown with secrets: see redaction). */
  cause?: unknown
  /**
   * Whether a retry can help. Only rate limits (IMG_006), network failures (IMG_008) and a
   * lost MCP connection (MCP_001) are transient; everything else fails fast.
   */
  retryable?: boolean
  /** Server-requested wait before the next attempt, in milliseconds (from `Retry-After`). */
  retryAfterMs?: number
}

/**
 * An error with a stable code, a message a user can act on, and the cause.
 *
 * `message` is always prefixed with the code (`IMG_001: …`) so that it reads well in logs and
 * in `core.setFailed`.
 */
export class KamuiError extends Error {
  override readonly name = 'KamuiError'
  readonly code: ErrorCode
  readonly retryable: boolean
  readonly retryAfterMs: number | undefined
  /** The message without the code prefix. */
  readonly detail: string

  constructor(code: ErrorCode, detail: string, options: KamuiErrorOptions = {}) {
    super(`${code}: ${detail}`, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.detail = detail
    this.retryable = options.retryable ?? isTransientCode(code)
    this.retryAfterMs = options.retryAfterMs
  }

  /** A plain record for reports: `{ code, message }`. */
  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.detail }
  }
}

/** Codes whose failures are transient by nature (retried with backoff). */
export function isTransientCode(code: ErrorCode): boolean {
  return code === 'IMG_006' || code === 'IMG_008' || code === 'MCP_001'
}

/** Whether a value is a {@link KamuiError}, optionally with one of the given codes. */
export function isKamuiError(value: unknown, ...codes: ErrorCode[]): value is KamuiError {
  return value instanceof KamuiError && (codes.length === 0 || codes.includes(value.code))
}

/** The message of any thrown value. */
export function errorMessage(value: unknown): string {
  if (value instanceof Error) return value.message
  return String(value)
}
