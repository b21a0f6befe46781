/**
 * Retry policy for transient failures (IMG_006, IMG_008, MCP_001) of model calls: a stage gets
 * it from its adapter on `StageContext.retryPolicy` (tests shorten it) and the job runner
 * applies it (`src/runner/`).
 */
export interface RetryPolicy {
  /** Retries after the first attempt (so `retries + 1` attempts at most). */
  retries: number
  /** First backoff delay in ms; doubled on every retry, with jitter (×1–2). */
  minDelayMs: number
  /** Upper bound of one backoff delay in ms. */
  maxDelayMs: number
}

/** The default policy: 3 retries, 1 s → 2 s → 4 s (each ×1–2 jitter), capped at 30 s. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: 3,
  minDelayMs: 1000,
  maxDelayMs: 30_000,
}
