import type { InputSpec, RawInputs } from '../core/input-spec.js'
import { parseNumberInput } from '../core/parse-input.js'

/**
 * The job-cache inputs of the generating stages other than keyframes (issue 11 §4): the
 * runner's content-addressed cache of model-job results (`src/runner/job-cache.ts`). The
 * keyframes stage keeps its own inputs of the same names (default folder
 * `.kamui-cache/keyframes`, TTL 24 h), which now hold its model jobs too.
 */
export const CACHE_INPUTS: readonly InputSpec[] = [
  {
    name: 'cache-folder',
    default: '',
    description:
      'Folder of the content-addressed job cache: every model result (image, clip, depth map, text) ' +
      'stored under its job key (a hash of model, tool and arguments), so an identical job in any stage ' +
      'or run is answered at $0 with no model call. Empty: $KAMUI_CACHE_FOLDER when set, else ' +
      '$RUNNER_TOOL_CACHE/kamui-media-actions/jobs on a runner (kept across jobs on self-hosted runners; ' +
      'restore it with actions/cache on hosted ones), else no cache (a local run outside a runner).',
  },
  {
    name: 'cache-ttl-hours',
    default: '168',
    description:
      'How long cached job results are used, in hours (0 turns the job cache off: nothing is read or written).',
  },
]

/** Parsed {@link CACHE_INPUTS}. */
export interface CacheInputs {
  /** `cache-folder` as given ('' for the default, resolved by `resolveCacheFolder`). */
  cacheFolder: string
  /** Time to live, ms; 0 turns the cache off. */
  cacheTtlMs: number
}

/**
 * Parses `cache-folder` and `cache-ttl-hours`.
 *
 * @throws KamuiError CFG_001 for a TTL that is not a number from 0 to 8760
 */
export function parseCacheInputs(r: RawInputs): CacheInputs {
  const ttl = (r['cache-ttl-hours'] ?? '').trim() === '' ? { ...r, 'cache-ttl-hours': '168' } : r
  return {
    cacheFolder: (r['cache-folder'] ?? '').trim(),
    cacheTtlMs: parseNumberInput(ttl, 'cache-ttl-hours', 0, 24 * 365, false) * 3_600_000,
  }
}
