import type { InputSpec } from '../core/input-spec.js'
import type { RawInputs } from '../core/input-spec.js'
import { parseEnumInput } from '../core/parse-input.js'

/** Input `resume` of the generating stages (issue 11): how the folder's run journal is used. */
export type ResumeInput = 'auto' | 'true' | 'false'

/** The `resume` input every generating stage's spec adds. */
export const RESUME_INPUT: InputSpec = {
  name: 'resume',
  default: 'auto',
  description:
    'Resume from the run journal of the folder (metadata/journal.jsonl, committed with the results ' +
    'folder, or restored with actions/cache keyed by the request): "auto" or "true" reuse a job whose ' +
    'output file is present with its journalled sha256 (no model call), follow a job submitted by an ' +
    'earlier run with its stored request id (no new submit; submitted again when that fails, with a ' +
    'warning), and submit only the rest; without seed the base seed of an earlier run of the same ' +
    'request is reused. "true" also warns when there is nothing to resume. "false": every job is ' +
    'submitted anew, and the job cache is not read (the journal and the cache are still written).',
}

/**
 * Parses `resume`.
 *
 * @throws KamuiError CFG_001 for a value other than auto, true, false
 */
export function parseResumeInput(r: RawInputs): ResumeInput {
  return parseEnumInput(r, 'resume', ['auto', 'true', 'false'] as const)
}
