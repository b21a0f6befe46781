import { totalCosts, type StepCost } from './costs.js'
import type { KeyframeCache } from './cache.js'
import type { NodeOutcome } from './graph.js'
import type { KeyframesInputs } from './inputs.js'
import {
  KEYFRAMES_FILE_VERSION,
  type KeyframeRecord,
  type KeyframesFile,
  type KeyframeSegmentRecord,
} from './keyframes-file.js'
import type { ProductImage } from './product-images.js'
import type { PreviousRun } from './retry.js'
import type { StoriesOutcome } from './stories.js'
import type { Storyboard } from './storyboard.js'

/**
 * Builds `keyframes.json` (the {@link KeyframesFile} schema in keyframes-file.ts) from what a
 * run made: the storyboard, the segment records, the cache counts, costs and timings.
 */

/** A model of the run as keyframes.json records it. */
interface ProcessModel {
  label: string
  preview: boolean
}

/** What {@link buildKeyframesFile} needs. */
export interface KeyframesFileParts {
  /** The package version (the file's generator). */
  version: string
  inputs: KeyframesInputs
  width: number
  height: number
  /** The notices of the provider choice. */
  notices: string[]
  enhancer: ProcessModel
  renderer: ProcessModel
  storyboard: Storyboard
  /** The stories written in this run, when any. */
  stories: StoriesOutcome | undefined
  /** The earlier run of a retry-segments run. */
  previous: PreviousRun | undefined
  images: readonly ProductImage[]
  records: KeyframeSegmentRecord[]
  outcomes: ReadonlyMap<string, NodeOutcome>
  cache: KeyframeCache
  /** The cache folder relative to the workspace ('.' for the workspace itself). */
  cacheFolder: string
  /** `performance.now()` when the run started, and the phase times, ms. */
  timings: { started: number; storyMs: number | null; productImagesMs: number; framesMs: number }
  warnings: { code: string; message: string }[]
}

/** The keyframes.json of a run (not yet validated: the caller parses it with the schema). */
export function buildKeyframesFile(p: KeyframesFileParts): KeyframesFile {
  const { inputs, stories, previous, records } = p
  const frames = records.flatMap((r) => [r.firstFrame, r.lastFrame])
  const anyPreview = frames.some((f) => f.preview) || (stories?.preview ?? false)
  return {
    schemaVersion: KEYFRAMES_FILE_VERSION,
    generator: { name: 'kamui-media-actions', version: p.version },
    preview: anyPreview || p.enhancer.preview || p.renderer.preview,
    notices: p.notices,
    createdAt: new Date().toISOString(),
    concept: p.storyboard.concept,
    storySource: previous ? previous.file.storySource : p.storyboard.source,
    storyIndex: stories ? inputs.storyIndex : (previous?.file.storyIndex ?? null),
    story: p.storyboard.story,
    aspectRatio: inputs.aspectRatio,
    width: p.width,
    height: p.height,
    seed: inputs.seed,
    schedule: inputs.schedule,
    models: {
      story: stories?.model ?? previous?.file.models.story ?? null,
      enhancer: { label: p.enhancer.label, preview: p.enhancer.preview },
      keyframe: { label: p.renderer.label, preview: p.renderer.preview },
    },
    productImages: p.images.map(productRecord),
    segments: records,
    summary: summaryOf(records, frames),
    cache: cacheRecord(p.cache, p.cacheFolder, inputs.cacheTtlMs),
    costs: costsOf(records, stories, previous),
    timings: {
      totalMs: Math.round(performance.now() - p.timings.started),
      storyMs: p.timings.storyMs,
      productImagesMs: p.timings.productImagesMs,
      framesMs: p.timings.framesMs,
      steps: [...p.outcomes].map(([id, o]) => ({
        id,
        status: o.status,
        startedMs: o.startedMs,
        endedMs: o.endedMs,
      })),
    },
    retry: previous ? { segments: inputs.retrySegments } : null,
    warnings: p.warnings,
  }
}

function summaryOf(
  records: readonly KeyframeSegmentRecord[],
  frames: readonly KeyframeRecord[],
): KeyframesFile['summary'] {
  return {
    segments: records.length,
    completeSegments: records.filter((r) => r.status === 'complete').length,
    failedSegments: records.filter((r) => r.status === 'failed').map((r) => r.index),
    frames: frames.filter((f) => f.path !== null).length,
    generatedFrames: frames.filter((f) => f.status === 'generated').length,
    inheritedFrames: frames.filter((f) => f.status === 'inherited').length,
    reusedFrames: frames.filter((f) => f.reused && f.path !== null).length,
  }
}

function cacheRecord(cache: KeyframeCache, folder: string, ttlMs: number): KeyframesFile['cache'] {
  const stats = cache.stats()
  return {
    enabled: cache.enabled,
    folder: cache.enabled ? folder : null,
    ttlHours: ttlMs / 3_600_000,
    hits: stats.story.hits + stats.enhancement.hits + stats.render.hits,
    misses: stats.story.misses + stats.enhancement.misses + stats.render.misses,
    byStep: stats,
  }
}

/** Costs of this run's calls (frames kept from an earlier run excluded), with the story steps. */
function costsOf(
  records: readonly KeyframeSegmentRecord[],
  stories: StoriesOutcome | undefined,
  previous: PreviousRun | undefined,
): KeyframesFile['costs'] {
  const storySteps: StepCost[] = stories?.costs ?? previous?.file.costs.storySteps ?? []
  const frameCosts = records.flatMap((r) =>
    [r.firstFrame, r.lastFrame].filter((f) => !f.reused).flatMap((f) => f.costs),
  )
  return { ...totalCosts([...(stories?.costs ?? []), ...frameCosts]), storySteps }
}

/** A product image as recorded: a URL without its query string. */
function productRecord(image: ProductImage): KeyframesFile['productImages'][number] {
  let source = image.source
  if (image.url) {
    const url = new URL(image.url)
    source = `${url.origin}${url.pathname}`
  }
  return {
    index: image.index,
    source,
    kind: image.kind,
    format: image.format,
    bytes: image.bytes,
    width: image.width,
    height: image.height,
    sha256: image.sha256,
  }
}
