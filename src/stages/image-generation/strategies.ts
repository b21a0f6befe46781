import { mkdir, rename } from 'node:fs/promises'
import path from 'node:path'
import { errorMessage } from '../../core/errors.js'
import type { ImageQuality } from '../../quality/types.js'
import type { ResolvedModel } from '../../providers/image/provider.js'
import { makeCandidate, type Candidate, type ImageJobContext } from './image-job.js'
import { nextBestModel } from './model-choice.js'
import type { PlannedImage } from './plan.js'

/** A candidate with its quality assessment (null when it failed or was not scored). */
export interface ScoredCandidate extends Candidate {
  quality: ImageQuality | null
  /** Why a made image has no assessment (the run was cancelled or timed out while scoring). */
  qualityNote?: string
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
  const run = new StrategyRun(plan, context)
  const { strategy } = context.inputs
  if (strategy === 'sequential') return run.sequential()
  const slots = await run.parallel()
  if (strategy === 'smart') await run.regenerateLow(slots)
  return slots
}

/** The state of one strategy run: scores per model, first-candidate times, the budget. */
class StrategyRun {
  private readonly meanScores = new Map<string, number[]>()
  private readonly firstDurations: number[] = []
  private readonly threshold: number
  private budget: number

  constructor(
    private readonly plan: readonly PlannedImage[],
    private readonly context: StrategyContext,
  ) {
    this.threshold = context.inputs.qualityThreshold
    this.budget = regenerationBudget(plan.length)
  }

  /** Every image at once under the queue's limits. */
  parallel(): Promise<Slot[]> {
    return Promise.all(
      this.plan.map(async (planned) =>
        this.settle(planned, await this.first(planned, this.modelOf(planned))),
      ),
    )
  }

  /**
   * One image at a time; after a low score the next-best model replaces the low-scoring one
   * for the images still to come, and the image is regenerated.
   */
  async sequential(): Promise<Slot[]> {
    const switched = new Map<string, ResolvedModel>()
    const slots: Slot[] = []
    for (const planned of this.plan) {
      const plannedModel = this.modelOf(planned)
      const model = switched.get(plannedModel.label) ?? plannedModel
      const slot = this.settle(planned, await this.first(planned, model))
      const score = slot.kept?.quality?.overall
      if (score !== undefined && score < this.threshold) {
        const next = nextBestModel(this.context, model, this.means(), this.threshold)
        if (next) {
          switched.set(plannedModel.label, next)
          switched.set(model.label, next)
        }
        await this.regenerate(slot)
      }
      slots.push(slot)
    }
    return slots
  }

  /** Regenerates the below-threshold slots, lowest scores first, within the budget. */
  async regenerateLow(slots: readonly Slot[]): Promise<void> {
    const low = slots
      .filter((s) => s.kept?.quality && s.kept.quality.overall < this.threshold)
      .sort((a, b) => (a.kept?.quality?.overall ?? 0) - (b.kept?.quality?.overall ?? 0))
    await Promise.all(low.map((slot) => this.regenerate(slot)))
  }

  private async scored(candidate: Candidate): Promise<ScoredCandidate> {
    if (candidate.status !== 'ok') return { ...candidate, quality: null }
    let quality: ImageQuality
    try {
      quality = await this.context.assess(candidate)
    } catch (error) {
      // Cancelled or out of time while scoring: the image is written and stays a made image.
      if (!this.context.signal?.aborted) throw error
      return { ...candidate, quality: null, qualityNote: `not measured: ${errorMessage(error)}` }
    }
    const label = candidate.model.label
    this.meanScores.set(label, [...(this.meanScores.get(label) ?? []), quality.overall])
    return { ...candidate, quality }
  }

  private means(): Map<string, number> {
    return new Map(
      [...this.meanScores].map(([label, scores]) => [
        label,
        scores.reduce((a, b) => a + b, 0) / scores.length,
      ]),
    )
  }

  private modelOf(planned: PlannedImage): ResolvedModel {
    return this.context.models.find((m) => m.requested === planned.model) as ResolvedModel
  }

  private async first(planned: PlannedImage, model: ResolvedModel): Promise<ScoredCandidate> {
    const file = this.context.fileOf(planned.index)
    return this.scored(await makeCandidate(planned, model, 1, file, this.context))
  }

  private settle(planned: PlannedImage, candidate: ScoredCandidate): Slot {
    this.firstDurations.push(candidate.totalMs)
    return {
      planned,
      candidates: [candidate],
      kept: candidate.status === 'ok' ? candidate : undefined,
      regeneration: null,
    }
  }

  /** Why the slot is not regenerated, or undefined when it is (the budget is then spent). */
  private skipReason(to: ResolvedModel | undefined): string | undefined {
    const meanFirst =
      this.firstDurations.reduce((a, b) => a + b, 0) / Math.max(1, this.firstDurations.length)
    if (!to) return 'no other model is available'
    if (this.budget <= 0)
      return `the regeneration budget (${regenerationBudget(this.plan.length)} of ${this.plan.length} images) is used up`
    if (this.context.deadlineAt - performance.now() < meanFirst)
      return 'not enough time left before total-timeout'
    this.budget -= 1
    return undefined
  }

  private async regenerate(slot: Slot): Promise<void> {
    const best = slot.kept
    const threshold = this.threshold
    if (!best?.quality || best.quality.overall >= threshold) return
    const from = best.model
    const to = nextBestModel(this.context, from, this.means(), threshold)
    const skip = this.skipReason(to)
    if (skip !== undefined || !to) {
      const reason = skip ?? 'no other model is available'
      slot.regeneration = { outcome: 'skipped', reason, from: from.label, to: to?.label ?? null }
      return
    }
    const score = best.quality.overall.toFixed(2)
    slot.regeneration = {
      outcome: 'regenerated',
      reason: `score ${score} below quality-threshold ${threshold}`,
      from: from.label,
      to: to.label,
    }
    this.context.logger.info(
      `image ${slot.planned.index}: score ${score} is below ${threshold}; regenerating with ${to.label}.`,
    )
    const file = candidateFile(slot.planned.index, 2)
    const candidate = await this.scored(
      await makeCandidate(slot.planned, to, 2, file, this.context),
    )
    slot.candidates.push(candidate)
    if (candidate.quality && candidate.quality.overall > best.quality.overall) {
      await swapIntoSlot(this.context, slot, best, candidate)
    }
  }
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
