import type { ImageQuality } from '../../quality/types.js'
import type { ImageRecord, ModelSample, QualitySummary } from './report.js'
import type { ScoredCandidate, Slot } from './strategies.js'

/** The report's quality summary of an assessment. */
export function qualitySummary(quality: ImageQuality, threshold: number): QualitySummary {
  return {
    overall: round3(quality.overall),
    technical: dimension(quality, 'technical'),
    alignment: dimension(quality, 'alignment'),
    aesthetic: dimension(quality, 'aesthetic'),
    artefacts: dimension(quality, 'artefacts'),
    applied_weights: Object.fromEntries(
      Object.entries(quality.appliedWeights).map(([k, v]) => [k, round3(v)]),
    ),
    blank: quality.technical.blank,
    flags: quality.technical.flags,
    meets_threshold: quality.overall >= threshold,
  }
}

/**
 * The report record of one slot: the kept candidate's image, or the last failure, plus every
 * candidate made for it.
 */
export function slotRecord(slot: Slot, threshold: number): ImageRecord {
  const shown = slot.kept ?? (slot.candidates[slot.candidates.length - 1] as ScoredCandidate)
  const first = slot.candidates[0] as ScoredCandidate
  const image = shown.image
  const attempts = slot.candidates.reduce((sum, c) => sum + c.attempts, 0)
  return {
    index: slot.planned.index,
    file: slot.kept?.file ?? null,
    status: slot.kept ? 'ok' : 'failed',
    requested_model: first.requested.label,
    model: shown.model.label,
    fallback_from: shown.model.label === shown.requested.label ? null : shown.requested.label,
    preview: shown.model.preview,
    provider: shown.model.preview ? 'preview' : shown.model.entry.provider,
    server: image?.server ?? null,
    tools: image?.tools ?? [],
    request_id: image?.requestId ?? null,
    url: image?.url ?? null,
    seed: shown.seed,
    quality_score: shown.quality ? round3(shown.quality.overall) : null,
    quality_note: shown.quality
      ? null
      : (shown.qualityNote ?? 'not measured: the image was not generated'),
    file_size_bytes: image ? image.png.byteLength : null,
    width: image?.width ?? null,
    height: image?.height ?? null,
    resolution: image ? `${image.width}x${image.height}` : null,
    timings: {
      queue_wait_ms: first.queueWaitMs,
      generation_ms: image?.generationMs ?? null,
      download_ms: image?.downloadMs ?? null,
      total_ms: slot.candidates.reduce((sum, c) => sum + c.totalMs, 0),
    },
    attempts,
    retried_errors: slot.candidates.flatMap((c) => c.retried.map((e) => e.toJSON())),
    error: slot.kept ? null : (shown.error?.toJSON() ?? { code: 'GEN_001', message: 'failed' }),
    quality: shown.quality ? qualitySummary(shown.quality, threshold) : null,
    candidates: slot.candidates.map((c) => ({
      attempt: c.attempt,
      model: c.model.label,
      status: c.status,
      file: c.file,
      kept: c === slot.kept,
      url: c.image?.url ?? null,
      seed: c.seed,
      quality_score: c.quality ? round3(c.quality.overall) : null,
      generation_ms: c.image?.generationMs ?? null,
      error: c.error?.toJSON() ?? null,
    })),
    regeneration: slot.regeneration,
  }
}

/** Every candidate of every slot as a model sample for the comparison. */
export function modelSamples(slots: readonly Slot[]): ModelSample[] {
  return slots.flatMap((slot) =>
    slot.candidates.map((c) => ({
      model: c.model.label,
      ok: c.status === 'ok',
      generationMs: c.image?.generationMs ?? null,
      score: c.quality?.overall ?? null,
    })),
  )
}

function dimension(quality: ImageQuality, name: keyof ImageQuality['dimensions']) {
  const d = quality.dimensions[name]
  return { score: d.score === null ? null : round3(d.score), reason: d.reason, source: d.source }
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000
}
