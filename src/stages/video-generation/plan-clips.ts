import type { StageContext } from '../../core/stage-context.js'
import type { Plan } from '../../contracts/plan.js'
import { planStageJobs } from '../../runner/dry-run.js'
import { resolveCacheFolder } from '../../runner/job-cache.js'
import type { JobToPlan } from '../../runner/job-plan.js'
import type { JobRecorder } from '../../runner/job-recorder.js'
import type { ModelServices } from '../../runner/services.js'
import { clipRequest } from './clip-request.js'
import type { VideoGenerationInputs } from './inputs.js'
import type { ClipFrames, ClipSetup } from './run.js'

/**
 * The plan of the clip jobs of `setup` (issue 11): `setup.provider` must be built on
 * `recorder`, so that each clip's model job is built exactly as the real run builds it and
 * recorded instead of run; each is then looked up in the folder's run journal and the job
 * cache and priced (`planStageJobs`). A plug-in provider runs its own jobs: nothing is planned
 * for it and a note says so. Calls no model.
 *
 * @throws KamuiError what the provider throws before its job (IMG_002 for an entry without an
 *   MCP call)
 */
export async function planClipJobs(
  setup: Pick<ClipSetup, 'provider' | 'plugin' | 'plans' | 'frames'>,
  recorder: JobRecorder,
  inputs: VideoGenerationInputs,
  context: StageContext,
  services: ModelServices,
  notes: string[] = [],
): Promise<Plan> {
  const jobs: JobToPlan[] = []
  if (setup.plugin) {
    notes.push(
      `${setup.provider.label} is a plug-in video provider with a job runner of its own: its ` +
        `${setup.plans.length} clip job(s) are not planned.`,
    )
  } else {
    const signal = context.signal ?? new AbortController().signal
    for (const [i, plan] of setup.plans.entries()) {
      const frames = setup.frames[i] as ClipFrames
      const job = await recorder.capture(() =>
        setup.provider.generate(clipRequest(plan, frames, inputs), {
          signal,
          logger: context.logger,
        }),
      )
      if (job) jobs.push({ job, kind: 'video' })
    }
  }
  const cache = {
    folder: resolveCacheFolder(inputs.cache.cacheFolder, context.workspace, context.env),
    ttlMs: inputs.cache.cacheTtlMs,
  }
  return planStageJobs('video-generation', jobs, services, cache, { notes })
}
