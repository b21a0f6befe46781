import path from 'node:path'
import { isKamuiError } from '../core/errors.js'
import type { JobHandle, JobOutput, ModelJob, RunJobOptions } from '../providers/kinds/job.js'
import type { JournalHandle } from '../contracts/journal.js'
import { jobKey, sha256 } from './journal-key.js'
import type { RunJournal } from './journal.js'

/** A submitted (or re-attached) job as the runner's steps return it. */
export interface StartedJob {
  handle: JobHandle
  /** The idempotency key the submit carried, when the tool declares one (`idempotency.ts`). */
  idempotencyKey?: string
  wait(): Promise<JobOutput>
  close(): void
}

/** The runner's steps that the journalled run composes. */
export interface JournalSteps {
  /** Submits the job (a model call that may be billed). */
  submit(job: ModelJob, options: RunJobOptions): Promise<StartedJob>
  /** Follows a stored handle without submitting; undefined when the provider cannot. */
  reattach(
    job: ModelJob,
    handle: JobHandle,
    options: RunJobOptions,
  ): Promise<StartedJob | undefined>
  /** Awaited after the `submitted` line is on disk. */
  onSubmitted?: (job: ModelJob, handle: JobHandle) => void | Promise<void>
  onCompleted?: (job: ModelJob, output: JobOutput) => void | Promise<void>
}

/**
 * Runs a job under the run journal (issue 11): a job whose output file is present with its
 * journalled sha256 is reused (no model call); a job submitted by an earlier run and not
 * failed is followed with its stored handle (no new submit; when that fails other than by the
 * signal, the reason is logged, kept in `journal.notices` and it is submitted again); a job
 * the runner stopped following after its submit (the signal aborted) is left `submitted`, so a
 * re-run follows it; any other job is journalled
 * `planned`, submitted, journalled `submitted` (fsynced before the runner waits), waited on
 * and journalled `completed` or `failed`.
 *
 * @throws the errors of the steps; the journal's file-system errors
 */
export async function runJournaled(
  journal: RunJournal,
  job: ModelJob,
  options: RunJobOptions,
  steps: JournalSteps,
): Promise<JobOutput> {
  const key = jobKey(job)
  const reused = journal.resume ? await reuse(journal, key, job) : undefined
  if (reused) {
    journal.counts.reused++
    await journal.append({ event: 'reused', key, source: 'journal' })
    options.logger.info(
      `${job.label}: reused from the run journal (${reused.media[0]?.url ?? 'file'}), no model call.`,
    )
    return reused
  }
  const cached = await fromCache(journal, key, job)
  if (cached) {
    journal.counts.reused++
    options.logger.info(
      `${job.label}: answered from the job cache (${key.slice(0, 12)}), no model call.`,
    )
    await steps.onCompleted?.(job, cached)
    return cached
  }
  const stored = journal.resume ? journal.state(key) : undefined
  if (stored?.submitted?.id && !stored.failed && !stored.output) {
    const output = await resume(journal, key, job, toHandle(stored.submitted), options, steps)
    if (output) return output
  }
  const unknownOutcome = Boolean(stored?.planned && !stored.submitted && !stored.failed)
  journal.counts.new++
  return submitAndWait(journal, key, job, options, steps, unknownOutcome)
}

async function resume(
  journal: RunJournal,
  key: string,
  job: ModelJob,
  handle: JobHandle,
  options: RunJobOptions,
  steps: JournalSteps,
): Promise<JobOutput | undefined> {
  let started: StartedJob | undefined
  try {
    started = await steps.reattach(job, handle, options)
    if (!started) return undefined
    await journal.append({ event: 'submitted', key, handle: fromHandle(handle), resumed: true })
    const output = await started.wait()
    journal.counts.resumed++
    return await completed(journal, key, job, output, 'resumed', steps)
  } catch (error) {
    if (options.signal.aborted) throw error
    journal.counts.resubmitted++
    const note =
      `${job.label}: the stored job ${handle.id} on "${handle.server}" could not be followed ` +
      `(${(error as Error).message}); submitted again.`
    journal.notices.push(note)
    options.logger.warn(note)
    await journal.append(failedLine(key, error))
    return undefined
  } finally {
    started?.close()
  }
}

async function submitAndWait(
  journal: RunJournal,
  key: string,
  job: ModelJob,
  options: RunJobOptions,
  steps: JournalSteps,
  unknownOutcome = false,
): Promise<JobOutput> {
  await journal.append({
    event: 'planned',
    key,
    label: job.label,
    provider: job.provider,
    tools: job.provider === 'mcp' ? toolsOf(job) : [],
    workflow: job.provider === 'comfyui' ? job.template : null,
  })
  let submitted: StartedJob | undefined
  try {
    submitted = await steps.submit(job, options)
    if (unknownOutcome) unknownOutcomeNotice(journal, job, submitted, options)
    await journal.append({
      event: 'submitted',
      key,
      handle: fromHandle(submitted.handle),
      resumed: false,
    })
    await steps.onSubmitted?.(job, submitted.handle)
    const output = await submitted.wait()
    return await completed(journal, key, job, output, 'new', steps)
  } catch (error) {
    // A job we stopped following (deadline, cancellation, a killed run) may still run and be
    // billed on its server: it stays `submitted`, so that a re-run follows its handle.
    if (!(options.signal.aborted && submitted))
      await journal.append(failedLine(key, error, submitted === undefined))
    throw error
  } finally {
    submitted?.close()
  }
}

async function completed(
  journal: RunJournal,
  key: string,
  job: ModelJob,
  output: JobOutput,
  how: 'new' | 'resumed',
  steps: JournalSteps,
): Promise<JobOutput> {
  await journal.append({
    event: 'completed',
    key,
    handle: fromHandle(output.handle),
    urls: output.media.flatMap((m) => (m.url ? [m.url] : [])),
    media_sha256: output.media.flatMap((m) => (m.bytes ? [sha256(m.bytes)] : [])),
    generation_ms: Math.max(0, Math.round(output.generationMs)),
    download_ms: output.downloadMs === null ? null : Math.max(0, Math.round(output.downloadMs)),
    ...(output.readyWindowMs
      ? {
          ready_after_ms: Math.max(0, output.readyWindowMs.afterMs),
          ready_by_ms: Math.max(0, output.readyWindowMs.byMs),
        }
      : {}),
  })
  await journal.append({ event: 'cost', key, usd: journal.priceOf(job.label, job) })
  // A text answer is the whole result: cached now (media are cached when the stage records
  // the file it wrote, see RunJournal.recordOutput).
  if (job.provider === 'mcp' && job.answer === 'text')
    await journal.cache?.put(key, {
      label: job.label,
      media: [],
      text: output.text,
      structured: output.structured,
      generationMs: output.generationMs,
    })
  const result: JobOutput = { ...output, jobKey: key, journal: how }
  await steps.onCompleted?.(job, result)
  return result
}

/**
 * The output of a job found in the job cache (journalled as `reused` from `cache`; the
 * stage's `output` line follows), or undefined on a miss or without a cache.
 */
async function fromCache(
  journal: RunJournal,
  key: string,
  job: ModelJob,
): Promise<JobOutput | undefined> {
  // `resume: false` asks for every job anew: the cache is written, not read.
  const hit = journal.resume ? await journal.cache?.get(key) : undefined
  if (!hit) return undefined
  journal.cacheHits.add(key)
  const handle: JobHandle = {
    provider: job.provider,
    server: 'cache',
    tools: [],
    id: undefined,
    workflow: job.provider === 'comfyui' ? job.template : null,
  }
  // No planned / completed / cost lines: no model job ran (the ledger counts `reused`).
  await journal.append({ event: 'reused', key, source: 'cache' })
  return {
    handle,
    media: hit.media.map((m) => ({
      source: 'image' as const,
      bytes: m.bytes,
      mimeType: m.mimeType,
    })),
    text: hit.text,
    structured: hit.structured ?? undefined,
    accepted: [],
    generationMs: 0,
    downloadMs: null,
    gpuMemory: null,
    jobKey: key,
    journal: 'reused',
  }
}

/**
 * The notice of a job an earlier run was stopped while submitting (a `planned` line without
 * `submitted`): resubmitted with the same idempotency key (the server answers with the job it
 * holds), or without one, which the provider may bill twice.
 */
function unknownOutcomeNotice(
  journal: RunJournal,
  job: ModelJob,
  submitted: StartedJob,
  options: RunJobOptions,
): void {
  const stopped = `${job.label}: an earlier run was stopped while submitting this job (outcome unknown); `
  const note = submitted.idempotencyKey
    ? `${stopped}submitted again with the same idempotency key ${submitted.idempotencyKey}, so the server can answer with the job it already holds.`
    : `${stopped}submitted again, which the provider may bill twice (its tool declares no idempotency argument).`
  journal.notices.push(note)
  if (submitted.idempotencyKey) options.logger.info(note)
  else options.logger.warn(note)
}

/** The output of a reusable job: the file's bytes as inline media, no model time. */
async function reuse(
  journal: RunJournal,
  key: string,
  job: ModelJob,
): Promise<JobOutput | undefined> {
  const found = await journal.reusable(key)
  const state = journal.state(key)
  if (!found) return undefined
  // A job answered from the cache has an output line but no completed line.
  const url = state?.completed?.urls[0]
  return {
    handle: state?.completed
      ? toHandle(state.completed.handle)
      : { provider: job.provider, server: 'cache', tools: [], id: undefined, workflow: null },
    media: [
      {
        source: 'image',
        bytes: new Uint8Array(found.bytes),
        mimeType: MIME[path.extname(found.line.file).toLowerCase()] ?? 'application/octet-stream',
        ...(url ? { url } : {}),
      },
    ],
    text: '',
    structured: undefined,
    accepted: [],
    generationMs: 0,
    downloadMs: null,
    gpuMemory: null,
    jobKey: key,
    journal: 'reused',
  }
}

const MIME: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
}

/**
 * `failed` line; `billed` is false when the job never reached a provider's queue (the submit
 * call failed before a handle existed and the error says the tool was not found), else null
 * (unknown: no provider of this suite reports billing).
 */
function failedLine(key: string, error: unknown, beforeSubmit = false) {
  const code = isKamuiError(error) ? error.code : 'GEN_001'
  return {
    event: 'failed' as const,
    key,
    code,
    message: error instanceof Error ? error.message : String(error),
    billed: beforeSubmit && code === 'IMG_002' ? false : null,
  }
}

function toolsOf(job: Extract<ModelJob, { provider: 'mcp' }>): string[] {
  return job.call.type === 'sync'
    ? [job.call.tool]
    : [job.call.submit, job.call.status, job.call.result]
}

function fromHandle(handle: JobHandle): JournalHandle {
  return { ...handle, id: handle.id ?? null }
}

function toHandle(handle: JournalHandle): JobHandle {
  return { ...handle, id: handle.id ?? undefined }
}
