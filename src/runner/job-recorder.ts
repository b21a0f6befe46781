import { KamuiError } from '../core/errors.js'
import type { FetchedMedia, JobOutput, ModelJob, ModelJobRunner } from '../providers/kinds/job.js'

/** The recorder's own stop: the job was recorded, not run. */
class RecordedNotRun extends Error {
  constructor(label: string) {
    super(`${label}: recorded for the plan, not run`)
  }
}

/**
 * A {@link ModelJobRunner} that runs nothing (issue 11, dry run): a provider built on it
 * builds its model job exactly as it would for the job runner, and the recorder keeps the job
 * and stops the call there. A dry run thus plans the very jobs (same arguments, same job keys)
 * the real run submits, without a second copy of each provider's argument building.
 */
export class JobRecorder implements ModelJobRunner {
  /** Every job recorded, in order. */
  readonly jobs: ModelJob[] = []

  run(job: ModelJob): Promise<JobOutput> {
    this.jobs.push(job)
    return Promise.reject(new RecordedNotRun(job.label))
  }

  fetchMedia<T>(): Promise<FetchedMedia<T>> {
    return Promise.reject(
      new KamuiError('GEN_001', 'The job recorder runs no job and has no media to fetch.'),
    )
  }

  /**
   * Calls `make` (a provider call on this recorder) up to its model job, and returns that job;
   * undefined when the call ended without asking for one (a provider that runs no model job).
   *
   * @throws whatever `make` throws before it asks for a job (an unknown tool, an unusable input)
   */
  async capture(make: () => Promise<unknown>): Promise<ModelJob | undefined> {
    const before = this.jobs.length
    try {
      await make()
    } catch (error) {
      // A provider may wrap the recorder's stop in its own error: the recorded job decides.
      if (this.jobs.length === before && !(error instanceof RecordedNotRun)) throw error
    }
    return this.jobs.length > before ? this.jobs[this.jobs.length - 1] : undefined
  }
}
