import { z } from 'zod'
import type { InputSpec, RawInputs } from '../core/input-spec.js'
import { parseBooleanInput } from '../core/parse-input.js'

/**
 * Provenance of a file the suite writes (issue 16, SPEC §11): what made it, from what and in
 * which run. Embedded as XMP in images (`src/media/provenance/xmp.ts`), as metadata tags in
 * MP4s (`mp4.ts`) and as header comments in PLYs (`ply.ts`), and recorded on the file's
 * telemetry artifact (`provenance`), which `kamui verify-telemetry` compares with the file.
 */

/** The IPTC NewsCodes vocabulary of `Iptc4xmpExt:DigitalSourceType`. */
export const DIGITAL_SOURCE_TYPE_BASE = 'http://cv.iptc.org/newscodes/digitalsourcetype/'

/**
 * The IPTC digital source types the suite writes:
 *
 * - `trainedAlgorithmicMedia`: made by a trained model (hosted MCP models, ComfyUI);
 * - `algorithmicMedia`: made by an algorithm without training data (the PREVIEW renderer, the
 *   brightness heuristic of depth);
 * - `compositeWithTrainedAlgorithmicMedia`: a model's output combined with other media
 *   (keyframes made with the user's product photos as references);
 * - `compositeSynthetic`: a composite of synthetic elements (the contact sheet).
 */
export const DIGITAL_SOURCE_TYPES = [
  'trainedAlgorithmicMedia',
  'algorithmicMedia',
  'compositeWithTrainedAlgorithmicMedia',
  'compositeSynthetic',
] as const
export type DigitalSourceType = (typeof DIGITAL_SOURCE_TYPES)[number]

/** The `generator` of every provenance record: the package name. */
export const PROVENANCE_GENERATOR = 'kamui-media-actions'

/** The full IPTC URI of a digital source type. */
export function digitalSourceTypeUri(type: DigitalSourceType): string {
  return `${DIGITAL_SOURCE_TYPE_BASE}${type}`
}

/**
 * One file's provenance. Every field is present; `null` where it does not apply (no negative
 * prompt, no seed, a composite of several models).
 */
export const ProvenanceSchema = z.object({
  /** IPTC digital source type (short name; the URI is {@link digitalSourceTypeUri}). */
  digital_source_type: z.enum(DIGITAL_SOURCE_TYPES),
  /** `kamui-media-actions`. */
  generator: z.string().min(1),
  /** The suite's version (package.json). */
  generator_version: z.string().min(1),
  /** The stage that wrote the file (`image-generation-v2`, `keyframes`, …). */
  stage: z.string().min(1),
  /**
   * The model alias as recorded in the stage's outputs (`imagen4-fast`, `preview:imagen4-fast`);
   * several aliases joined with `, ` for a composite; null when no model made it.
   */
  model: z.string().nullable(),
  /** `mcp`, `comfyui`, `preview`, `heuristic`, …; null when no model made it. */
  provider: z.string().nullable(),
  /** The prompt sent to the model (after translation or enhancement); null when none. */
  prompt: z.string().nullable(),
  /** The negative prompt sent, or null. */
  negative_prompt: z.string().nullable(),
  /** The seed sent, or null. */
  seed: z.number().int().nullable(),
  /** The job key of the run journal or the stage cache, or null. */
  job_key: z.string().nullable(),
  /** The run that wrote the file (`GITHUB_RUN_ID`, or `local-…`). */
  run_id: z.string().min(1),
  /** What else made it: the depth source of a point cloud (`model:depth-anything`, `heuristic`), or null. */
  source: z.string().nullable(),
})
export type Provenance = z.infer<typeof ProvenanceSchema>

/** The `embed-provenance` input of the generating stages (not the legacy v1 action). */
export const PROVENANCE_INPUT: InputSpec = {
  name: 'embed-provenance',
  default: 'true',
  description:
    'Embed provenance in every file the stage writes (true/false): XMP in images (IPTC ' +
    'DigitalSourceType, generator and version, model and provider, prompt, negative prompt, seed, ' +
    'job key, run id), metadata tags in MP4s, header comments in PLYs. "false" embeds nothing; ' +
    'the reports still record it. See docs/provenance.md.',
}

/**
 * Parses `embed-provenance` (absent: the default, true).
 *
 * @throws KamuiError CFG_001 for a value other than true or false
 */
export function parseProvenanceInput(r: RawInputs): boolean {
  if (r['embed-provenance'] === undefined || r['embed-provenance'] === '') return true
  return parseBooleanInput(r, 'embed-provenance')
}
