import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { KamuiError } from '../../core/errors.js'
import type { OutputSpec } from '../../core/input-spec.js'
import type { Redactor } from '../../core/redactor.js'
import { writeRedactedJson } from '../../core/redacted-json.js'
import type { StageContext } from '../../core/stage-context.js'
import type { Artifact } from '../../contracts/telemetry.js'
import { prepareFfmpeg } from '../../media/video/ffmpeg.js'
import { completeStageFolder } from '../../output/handoff/stage-folder.js'
import { mergeCostSummaries } from '../../output/shards/costs.js'
import { writeMergedTelemetry } from '../../output/shards/merged-telemetry.js'
import {
  copyFromShard,
  mergeJournals,
  type FoundShards,
  type ShardFolder,
} from '../../output/shards/shard-folders.js'
import { describeArtifact } from '../../output/telemetry/artifacts.js'
import { videoOutputs, videoSummaryMarkdown } from './commands.js'
import { LEGACY_MUSIC, finalVideoProvenance, joinFinalVideo } from './final-video.js'
import {
  FINAL_VIDEO_FILE,
  VIDEO_REPORT_FILE,
  type ClipRecord,
  type FinalRecord,
  type VideoReport,
} from './report.js'
import type { VideoGenerationResult } from './run.js'
import { VIDEO_SHARD_STAGE } from './shard.js'
import { VIDEO_GENERATION_OUTPUTS } from './spec.js'

async function readReport(shard: ShardFolder): Promise<VideoReport> {
  try {
    const report = JSON.parse(
      await readFile(path.join(shard.folder, VIDEO_REPORT_FILE), 'utf8'),
    ) as VideoReport
    if (report.schema_version !== 1 || !Array.isArray(report.clips)) throw new Error('malformed')
    return report
  } catch (error) {
    throw new KamuiError(
      'SHARD_001',
      `${shard.name} holds no valid ${VIDEO_REPORT_FILE}: the shard did not get as far as its report.`,
      { cause: error },
    )
  }
}

/** Where and how a video merge writes. */
interface VideoMergeTarget {
  folder: string
  workspace: string
  redactor: Redactor
  context: StageContext
  /** `embed-provenance` of the merge: tags in the joined video. */
  embedProvenance: boolean
}

/**
 * Merges the shard folders of a video run (sharded by segment) into `target.folder`: every
 * clip under its legacy name `videos/segment-{N}.mp4`, one report with the clips in segment
 * order (`total_ms` the longest shard's), the clips joined into `final/final-music-video.mp4`
 * when the run asked for concatenation and every clip is there (with the folder's legacy music
 * when present, else silent), one journal and the telemetry.
 *
 * @throws KamuiError SHARD_001 for a shard without its report; VID_002 when no clip was made;
 *   VID_001 when joining needs ffmpeg and there is none
 */
export async function mergeVideoShards(
  found: FoundShards,
  target: VideoMergeTarget,
): Promise<VideoGenerationResult> {
  const { folder } = target
  const reports = await Promise.all(found.shards.map(readReport))
  const clips = reports.flatMap((r) => r.clips).sort((a, b) => a.segment - b.segment)
  for (const [i, report] of reports.entries()) {
    for (const clip of report.clips)
      if (clip.file) await copyFromShard(found.shards[i] as ShardFolder, clip.file, folder)
  }
  const made = clips.filter((c) => c.status === 'ok')
  const failed = clips.filter((c) => c.status === 'failed')
  const base = reports[0] as VideoReport
  const warnings = [
    ...failed.map((c) => ({
      code: c.error?.code ?? 'VID_002',
      message: c.error?.message ?? `segment ${c.segment} failed`,
    })),
    ...found.warnings,
  ]
  const complete = failed.length === 0 && found.missing.length === 0
  const final =
    base.request.concatenate && complete && made.length > 0
      ? await joinClips(made, base.request.prompt, target)
      : null
  if (base.request.concatenate && !final)
    warnings.push({
      code: 'VID_002',
      message: `${FINAL_VIDEO_FILE} was not made: clips are missing or failed.`,
    })
  const report = mergedReport(base, reports, { clips, final, warnings, found })
  await writeRedactedJson(path.join(folder, VIDEO_REPORT_FILE), report, target.redactor)
  const written = [VIDEO_REPORT_FILE, ...(final ? [FINAL_VIDEO_FILE] : [])]
  const journal = await mergeJournals(found.shards, folder)
  if (journal) written.push(journal)
  await writeVideoTelemetry(found, target, written, report.preview)
  if (made.length === 0) {
    throw new KamuiError(
      'VID_002',
      `No shard made a clip (${found.shards.length} of ${found.count} found).`,
    )
  }
  await completeStageFolder(folder)
  return {
    folder,
    clips: made,
    final,
    model: made[0]?.model ?? base.request.model,
    preview: report.preview,
    report,
    reportPath: path.join(folder, VIDEO_REPORT_FILE),
  }
}

function mergedReport(
  base: VideoReport,
  reports: readonly VideoReport[],
  m: {
    clips: ClipRecord[]
    final: FinalRecord | null
    warnings: VideoReport['warnings']
    found: FoundShards
  },
): VideoReport {
  const jobs = reports.map((r) => r.summary.jobs)
  const segments = (m.found.shards[0]?.record.jobs ?? []).map((j) => j.number)
  const { cost: _cost, ...rest } = base
  const cost = mergeCostSummaries(reports.map((r) => r.cost))
  return {
    ...rest,
    ...(cost ? { cost } : {}),
    preview: reports.some((r) => r.preview),
    notices: [
      ...new Set(reports.flatMap((r) => r.notices.filter((n) => !n.startsWith('Shard ')))),
      `Merged by kamui merge from ${reports.length} of ${m.found.count} shard(s); total_ms is the longest shard's.`,
    ],
    request: { ...base.request, segments },
    clips: m.clips,
    final: m.final,
    summary: {
      clips_made: m.clips.filter((c) => c.status === 'ok').length,
      clips_failed: m.clips.filter((c) => c.status === 'failed').length,
      total_ms: Math.max(...reports.map((r) => r.summary.total_ms)),
      cancelled: reports.some((r) => r.summary.cancelled),
      ...(jobs.every((j) => j !== undefined)
        ? {
            jobs: {
              reused: jobs.reduce((s, j) => s + (j?.reused ?? 0), 0),
              resumed: jobs.reduce((s, j) => s + (j?.resumed ?? 0), 0),
              new: jobs.reduce((s, j) => s + (j?.new ?? 0), 0),
              resubmitted: jobs.reduce((s, j) => s + (j?.resubmitted ?? 0), 0),
            },
          }
        : {}),
    },
    warnings: m.warnings,
  }
}

/** Joins the clips in segment order (ffmpeg found as the stage finds it; bundled build not used). */
async function joinClips(
  clips: readonly ClipRecord[],
  prompt: string,
  target: VideoMergeTarget,
): Promise<FinalRecord> {
  const { context, folder } = target
  const started = performance.now()
  const ffmpeg = await prepareFfmpeg(context.env, {
    allowBundled: false,
    required: true,
    logger: context.logger,
  })
  if (!ffmpeg) throw new KamuiError('VID_001', 'ffmpeg is needed to join the clips.')
  const music = path.join(folder, LEGACY_MUSIC)
  // The MP4 tags as the video stage writes them (issue 16), with the merge's run id (on
  // Actions the run of every shard).
  const joined = await joinFinalVideo(ffmpeg.tools, clips, {
    folder,
    workspace: target.workspace,
    music: existsSync(music) ? music : undefined,
    metadataArgs: finalVideoProvenance(clips, {
      embed: target.embedProvenance,
      runId: context.run?.id ?? 'local',
      prompt,
    }),
    signal: context.signal,
    startedMs: started,
  })
  return joined.record
}

/** Telemetry: the shards' clip artifacts as they recorded them, the merged files, their errors. */
async function writeVideoTelemetry(
  found: FoundShards,
  target: VideoMergeTarget,
  written: readonly string[],
  preview: boolean,
): Promise<void> {
  const telemetryTarget = {
    stage: VIDEO_SHARD_STAGE,
    folder: target.folder,
    redactor: target.redactor,
    doneMarkerReason: 'merged by kamui merge from shard folders of a video run',
  }
  await writeMergedTelemetry(found.shards, telemetryTarget, async (records) => {
    const artifacts: Artifact[] = records
      .flatMap((r) => r.artifacts)
      .filter((a) => a.path.startsWith('videos/'))
      .sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }))
    for (const file of written)
      artifacts.push(await describeArtifact(target.folder, file, { preview }))
    return artifacts
  })
}

/** `kamui merge` of video-generation shards: the outputs of the merged run. */
export const videoShardMerger = {
  stage: VIDEO_SHARD_STAGE,
  outputs: VIDEO_GENERATION_OUTPUTS as readonly OutputSpec[],
  async merge(
    found: FoundShards,
    target: VideoMergeTarget,
  ): Promise<{ outputs: Record<string, string>; summary: string }> {
    const result = await mergeVideoShards(found, target)
    return {
      outputs: videoOutputs(result, target.workspace),
      summary: videoSummaryMarkdown(result, target.workspace),
    }
  },
}
