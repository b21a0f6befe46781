/**
 * The run a stage belongs to, as the adapters (action entry, CLI) determine it and hand it to
 * the stage on `StageContext.run`: the `run` object of `metadata/artifact-metadata.json`
 * (`RunSchema` in `src/contracts/telemetry.ts`) without its end (`ended_at` and `duration_ms`
 * are filled in by `buildArtifactMetadata` when the stage ends). `src/contracts/telemetry.ts`
 * checks at compile time that this shape and the schema's stay the same.
 *
 * Built by `runInfoFromEnv` (`src/output/telemetry/run-info.ts`), called by adapters only.
 */
export interface RunInfo {
  /** `GITHUB_RUN_ID`, or `local-<start time>` outside Actions. */
  id: string
  /** Workflow name (`GITHUB_WORKFLOW`), or `local`. */
  workflow: string
  /** Job id (`GITHUB_JOB`), or `local`. */
  job: string
  /** 40 or 64 lowercase hex digits; null when no commit exists (neither Actions nor a git checkout). */
  commit: string | null
  /** Attempt number of a re-run (`GITHUB_RUN_ATTEMPT`, 1-based); null outside Actions. */
  attempt: number | null
  /** `owner/name` (`GITHUB_REPOSITORY`); null outside Actions. */
  repository: string | null
  /** When the stage started, ISO 8601 with a time zone. */
  started_at: string
}
