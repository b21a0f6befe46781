import type { StageContext } from '../../core/stage-context.js'
import { resolveCacheFolder } from '../../runner/job-cache.js'
import type { PlanCache } from '../../runner/dry-run.js'
import type { ModelServicesOptions } from '../../runner/services.js'
import type { PointcloudInputs } from './inputs.js'

/** The default `cache-ttl-hours` of callers that leave `cache` out: 168 h, in ms. */
const DEFAULT_CACHE_TTL_MS = 168 * 3_600_000

/** The job cache of a point-cloud run (`cache-folder`, `cache-ttl-hours`; absent: the defaults). */
export function pointcloudCache(inputs: PointcloudInputs, context: StageContext): PlanCache {
  const cache = inputs.cache ?? { cacheFolder: '', cacheTtlMs: DEFAULT_CACHE_TTL_MS }
  return {
    folder: resolveCacheFolder(cache.cacheFolder, context.workspace, context.env),
    ttlMs: cache.cacheTtlMs,
  }
}

/** The run journal (`resume`), the budget and the job cache of the stage's model services (issue 11). */
export function durableOptions(
  inputs: PointcloudInputs,
  folder: string,
  context: StageContext,
): ModelServicesOptions {
  return {
    journal: { folder, resume: inputs.resume ?? 'auto' },
    budget: { maxCostUsd: inputs.maxCostUsd },
    cache: pointcloudCache(inputs, context),
  }
}
