import { mkdir, rename } from 'node:fs/promises'
import path from 'node:path'
import type { ImageQuality } from '../../quality/types.js'
import type { ResolvedModel } from '../../providers/image/provider.js'
import { makeCandidate, type Candidate, type ImageJobContext } from './image-job.js'
import { nextBestModel } from './model-choice.js'
import type { PlannedImage } from './plan.js'

/** A candidate with its quality assessment (null when it failed). */
export interface ScoredCandidate extends Candidate {
  quality: ImageQuality | null
}

/** Why and how a slot was regenerated, or why it was not. */
export interface RegenerationNote {
  /** `regenerated`, or `skipped` with the reason. */
  outcome: 'regenerated' | 'skipped'
  reason: string
  from: string
  to: string | null
}

/** One planned image and everything made for it. */
export interface Slot {
  planned: PlannedImage
  candidates: ScoredCandidate[]
  /** The best ok candidate (highest overall score), or undefined when none was made. */
  kept: ScoredCandidate | undefined
  regeneration: RegenerationNote | null
}

/** What the strategies need beyond a job's context. */
export interface StrategyContext extends ImageJobContext {
  /** Scores a made candidate (technical metrics and configured scorers). */
  assess(candidate: Candidate): Promise<ImageQuality>
  /** `performance.now()` value of the total deadline. */
  deadlineAt: number
  /** Relative file of a slot's first candidate (legacy name for v1). */
  fileOf(index: number): string
}

/**
 * Regenerations are bounded: at most half of the images (and at least one) get a second
 * candidate, so a run costs at most 1.5× its image count (2× for a single image), and a
 * regeneration is not started when the time left before the total deadline is shorter than
 * the mean time a first candidate took.
 */
export function regenerationBudget(imageCount: number): number {
  return Math.max(1, Math.floor(imageCount / 2))
}

/**
 * Runs the plan with the chosen strategy (SPEC §5):
 *
 * - `parallel`: every image at once under the queue's limits; no regeneration.
 * - `smart`: like parallel, then the images whose best score is below `quality-threshold` are
 *   regenerated once with another model (the next-best one), lowest scores first, within the
 *   budget; the better candidate is kept.
 * - `sequential`: one image at a time (the queue runs with max-parallel 1); when an image
 *   scores below the threshold, its next attempt goes to the next-best model, and that model
 *   also replaces the low-scoring one for the images still to come.
 *
 * Every candidate ever made stays on disk: the kept one of slot `i` at the slot's file, the
 * others under `images/candidates/`.
 */
export async function runStrategy(
  plan: readonly PlannedImage[],
  context: StrategyContext,
): Promise<Slot[]> {
  const { strategy } = context.inputs
  const meanScores = new Map<string, number[]>()
  const scored = async (candidate: Candidate): Promise<ScoredCandidate> => {
    if (candidate.status !== 'ok') return { ...candidate, quality: null }
    const quality = await context.assess(candidate)
    meanScores.set(candidate.model.label, [
      ...(meanScores.get(candidate.model.label) ?? []),
      quality.overall,
    ])
    return { ...candidate, quality }
  }
  const means = (): Map<string, number> =>
    new Map(
      [...meanScores].map(([label, scores]) => [
        label,
        scores.reduce((a, b) => a + b, 0) / scores.length,
      ]),
    )
  const modelOf = (planned: PlannedImage): ResolvedModel =>
    context.models.find((m) => m.requested === planned.model) as ResolvedModel
  const first = (planned: PlannedImage, model: ResolvedModel): Promise<ScoredCandidate> =>
    makeCandidate(planned, model, 1, context.fileOf(planned.index), context).then(scored)

  const threshold = context.inputs.qualityThreshold
  let budget = regenerationBudget(plan.length)
  const firstDurations: number[] = []
  const regenerate = async (slot: Slot): Promise<void> => {
    const best = slot.kept
    if (!best?.quality || best.quality.overall >= threshold) return
    const from = best.model
    const to = nextBestModel(context, from, means(), threshold)
    const meanFirst = firstDurations.reduce((a, b) => a + b, 0) / Math.max(1, firstDurations.length)
    const skip = (reason: string): void => {
      slot.regeneration = { outcome: 'skipped', reason, from: from.label, to: to?.label ?? null }
    }
    if (!to) return skip('no other model is available')
    if (budget <= 0)
      return skip(
        `the regeneration budget (${regenerationBudget(plan.length)} of ${plan.length} images) is used up`,
      )
    if (context.deadlineAt - performance.now() < meanFirst)
      return skip('not enough time left before total-timeout')
    budget -= 1
    slot.regeneration = {
      outcome: 'regenerated',
      reason: `score ${best.quality.overall.toFixed(2)} below quality-threshold ${threshold}`,
      from: from.label,
      to: to.label,
    }
    context.logger.info(
      `image ${slot.planned.index}: score ${best.quality.overall.toFixed(2)} is below ${threshold}; regenerating with ${to.label}.`,
    )
    const file = candidateFile(slot.planned.index, 2)
    const candidate = await makeCandidate(slot.planned, to, 2, file, context).then(scored)
    slot.candidates.push(candidate)
    if (candidate.quality && candidate.quality.overall > best.quality.overall) {
      await swapIntoSlot(context, slot, best, candidate)
    }
  }
  const settle = (planned: PlannedImage, candidate: ScoredCandidate): Slot => {
    firstDurations.push(candidate.totalMs)
    return {
      planned,
      candidates: [candidate],
      kept: candidate.status === 'ok' ? candidate : undefined,
      regeneration: null,
    }
  }

  if (strategy === 'sequential') {
    const switched = new Map<string, ResolvedModel>()
    const slots: Slot[] = []
    for (const planned of plan) {
      const planned_model = modelOf(planned)
      const model = switched.get(planned_model.label) ?? planned_model
      const slot = settle(planned, await first(planned, model))
      const score = slot.kept?.quality?.overall
      if (score !== undefined && score < threshold) {
        const next = nextBestModel(context, model, means(), threshold)
        if (next) {
          switched.set(planned_model.label, next)
          switched.set(model.label, next)
        }
        await regenerate(slot)
      }
      slots.push(slot)
    }
    return slots
  }

  const slots = await Promise.all(
    plan.map(async (planned) => settle(planned, await first(planned, modelOf(planned)))),
  )
  if (strategy === 'smart') {
    const low = slots
      .filter((s) => s.kept?.quality && s.kept.quality.overall < threshold)
      .sort((a, b) => (a.kept?.quality?.overall ?? 0) - (b.kept?.quality?.overall ?? 0))
    await Promise.all(low.map((slot) => regenerate(slot)))
  }
  return slots
}

/** Relative file of a candidate that is not (yet) the kept one. */
export function candidateFile(index: number, attempt: number): string {
  return `images/candidates/generated-image-${index}-attempt-${attempt}.png`
}

/** Makes `better` the kept candidate: the slot file gets its PNG, the old one moves to candidates/. */
async function swapIntoSlot(
  context: StrategyContext,
  slot: Slot,
  previous: ScoredCandidate,
  better: ScoredCandidate,
): Promise<void> {
  const slotFile = context.fileOf(slot.planned.index)
  const previousFile = candidateFile(slot.planned.index, previous.attempt)
  await mkdir(path.join(context.folder, 'images/candidates'), { recursive: true })
  await rename(path.join(context.folder, slotFile), path.join(context.folder, previousFile))
  await rename(
    path.join(context.folder, better.file as string),
    path.join(context.folder, slotFile),
  )
  previous.file = previousFile
  better.file = slotFile
  slot.kept = better
}
