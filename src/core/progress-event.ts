/**
 * The one progress model of the suite (issue 12 §6, issue 16 §2): plain-data events, one
 * stream per job, grouped by stage. The job runner (`src/runner/progress.ts`) turns MCP
 * `notifications/progress`, MCP task status messages, the submit/status/result triple's status
 * strings and ComfyUI WebSocket progress into these; the adapters show them (a live line on a
 * terminal, plain lines and one group per stage in Actions and logs).
 *
 * It sits in core because {@link StageContext} carries the sink an adapter hands a stage.
 */

/** Where a job is. `done`, `failed` and `reused` are final. */
export type JobPhase = 'queued' | 'submitted' | 'running' | 'done' | 'failed' | 'reused'

/** What reported the event. */
export type ProgressSource =
  /** The stage or the job runner itself (queued, submitted, done, failed, reused). */
  | 'runner'
  /** MCP `notifications/progress` of a tool call. */
  | 'mcp-progress'
  /** A status string of the submit/status/result triple (`pending`, `processing`, …). */
  | 'mcp-status'
  /** An MCP task's status / `statusMessage` (`tasks/get`, either protocol revision). */
  | 'mcp-task'
  /** ComfyUI WebSocket `progress` / `executing` frames. */
  | 'comfyui'

/** One event of one job. */
export interface JobProgressEvent {
  kind: 'job'
  /** Stage group (`images`, `keyframes`, `segments`, `depth`, …). */
  stage: string
  /** Id of the job, unique within its stage (its label unless the stage gives another). */
  job: string
  /** Short name for display (`image 2 (flux-schnell)`). */
  label: string
  phase: JobPhase
  source: ProgressSource
  /** Wall-clock time of the event, ms since the Unix epoch. */
  atMs: number
  /** Share done in [0, 1], when the backend said (progress/total, sampler steps); else absent. */
  fraction?: number
  /** The backend's words (status message, `step 12/30`), not redacted: display only. */
  message?: string
  /** Position of the job in an ordered whole (video segment 2 of 5), when it has one. */
  part?: { index: number; total: number }
  /** Error code of a `failed` job (`IMG_003`, `COST_001`, …). */
  code?: string
  /** Price of a `done` job in US dollars when known; null when unknown (never 0 for unknown). */
  costUsd?: number | null
}

/** A stage group opens (with the number of jobs it plans, when known) or closes. */
export interface StageProgressEvent {
  kind: 'stage'
  stage: string
  phase: 'start' | 'end'
  atMs: number
  /** Jobs planned in the stage (start), when known. */
  total?: number
  /** Noun of the jobs for display (`images`, `segments`); default: the stage name. */
  unit?: string
  /** The stage's own count of what it made (end), when it gives one. */
  summary?: StageSummary
}

/** What a stage made, as it counts it (a retried attempt is not a failure). */
export interface StageSummary {
  made: number
  failed: number
  /** Answered from the run journal or the cache, no model call. */
  reused: number
  /** What the stage's jobs cost, US dollars; null when a price is unknown; absent: not measured. */
  costUsd?: number | null
  /** Files or jobs that were PREVIEW output (the embedded preview server). */
  preview?: number
}

/** Any progress event. */
export type ProgressEvent = JobProgressEvent | StageProgressEvent

/** Where progress events go (the adapter's hub; {@link ProgressHub} in `src/runner/progress.ts`). */
export interface ProgressSink {
  emit(event: ProgressEvent): void
}

/** A sink that drops every event (library use, tests). */
export const silentProgress: ProgressSink = { emit: () => undefined }
