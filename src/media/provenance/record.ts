import {
  PROVENANCE_GENERATOR,
  type DigitalSourceType,
  type Provenance,
} from '../../contracts/provenance.js'
import { VERSION } from '../../core/version.js'

/**
 * What a stage knows about provenance for its whole run: whether to embed
 * (`embed-provenance`), its name and its run id.
 */
export interface ProvenanceScope {
  /** The `embed-provenance` input; false: nothing is embedded. */
  embed: boolean
  /** The stage (action folder name). */
  stage: string
  /** `StageContext.run.id`. */
  runId: string
  /**
   * Masks the run's secrets in a text (`StageContext.redactor`): applied to every text field,
   * so that a token pasted into a prompt is embedded masked, as the reports write it.
   */
  redact?: ((text: string) => string) | undefined
}

/** What made one file (the per-file part of {@link Provenance}). */
export interface MadeBy {
  /** Model alias (or `preview:<alias>`), aliases joined with `, ` for a composite; null: none. */
  model: string | null
  provider: string | null
  /** Made by the PREVIEW renderer or another algorithm without training (heuristic depth). */
  algorithmic: boolean
  /** A model's output combined with other media (product photos). */
  composite?: boolean
  /** A composite of several synthetic images (the contact sheet). */
  compositeSynthetic?: boolean
  prompt?: string | null
  negativePrompt?: string | null
  seed?: number | null
  jobKey?: string | null
  /** The depth source of a point cloud, or another origin worth naming. */
  source?: string | null
}

/**
 * The IPTC digital source type of a file: `compositeSynthetic` for a contact sheet,
 * `algorithmicMedia` for preview and heuristic output, `compositeWithTrainedAlgorithmicMedia`
 * for a model's output combined with product photos, otherwise `trainedAlgorithmicMedia`.
 */
export function digitalSourceTypeFor(madeBy: MadeBy): DigitalSourceType {
  if (madeBy.compositeSynthetic) return 'compositeSynthetic'
  if (madeBy.algorithmic) return 'algorithmicMedia'
  if (madeBy.composite) return 'compositeWithTrainedAlgorithmicMedia'
  return 'trainedAlgorithmicMedia'
}

/** The provenance record of one file, its texts masked by the scope's `redact`. */
export function provenanceRecord(scope: ProvenanceScope, madeBy: MadeBy): Provenance {
  const mask = scope.redact ?? ((text: string): string => text)
  const text = (value: string | null | undefined): string | null =>
    value === null || value === undefined ? null : mask(value)
  return {
    digital_source_type: digitalSourceTypeFor(madeBy),
    generator: PROVENANCE_GENERATOR,
    generator_version: VERSION,
    stage: scope.stage,
    model: text(madeBy.model),
    provider: text(madeBy.provider),
    prompt: text(madeBy.prompt),
    negative_prompt: text(madeBy.negativePrompt),
    seed: madeBy.seed ?? null,
    job_key: text(madeBy.jobKey),
    run_id: mask(scope.runId),
    source: text(madeBy.source),
  }
}

/** {@link provenanceRecord} when the scope embeds, else null (embed nothing). */
export function provenanceToEmbed(
  scope: ProvenanceScope | undefined,
  madeBy: MadeBy,
): Provenance | null {
  return scope?.embed ? provenanceRecord(scope, madeBy) : null
}
