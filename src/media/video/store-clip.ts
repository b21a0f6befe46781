import { randomBytes } from 'node:crypto'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { KamuiError } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import { H264_OUTPUT_ARGS, TO_BT709 } from './encode.js'
import type { FfmpegTools } from './ffmpeg.js'
import { looksLikeMp4, looksLikeWebm, probeVideo, type VideoProbe } from './probe.js'
import { writeMp4WithFfmpeg } from './write-mp4.js'

/** What {@link storeClip} did. */
export interface StoredClip {
  /** The stored file's probe, or null when no ffmpeg was available to probe it. */
  probe: VideoProbe | null
  /** True when the delivered video was converted to H.264 / yuv420p MP4. */
  converted: boolean
  /** How the file was checked: probed, or only its magic bytes (no ffmpeg). */
  verifiedBy: 'ffprobe' | 'ffmpeg' | 'magic-bytes'
}

/** Options of {@link storeClip}. */
export interface StoreClipOptions {
  signal?: AbortSignal
  logger: Logger
  /** Names the clip in messages (`segment 2 (hailuo-02-pro)`). */
  what: string
}

/**
 * Verifies a delivered video and writes it to `target` as an MP4 in H.264 / yuv420p:
 *
 * 1. the bytes must start like an MP4 (`ftyp`) or WebM (EBML), else GEN_002;
 * 2. with ffmpeg they are probed (a video stream must be readable); an MP4 already in H.264 /
 *    yuv420p is kept byte for byte, anything else is converted with the suite's H.264 settings;
 * 3. without ffmpeg an MP4 is kept as delivered (checked by its magic bytes only, with a
 *    warning); a WebM cannot be converted and fails with VID_001.
 *
 * The file appears at `target` only when complete (temporary file, then rename).
 *
 * @throws KamuiError GEN_002 (not a video), VID_001 (conversion needs ffmpeg), VID_002 (ffmpeg failed)
 */
export async function storeClip(
  bytes: Uint8Array,
  target: string,
  tools: FfmpegTools | undefined,
  options: StoreClipOptions,
): Promise<StoredClip> {
  const mp4 = looksLikeMp4(bytes)
  if (!mp4 && !looksLikeWebm(bytes)) {
    throw new KamuiError(
      'GEN_002',
      `${options.what}: the model returned ${bytes.length} bytes that are not a video (no MP4 or WebM signature).`,
      { retryable: false },
    )
  }
  await mkdir(path.dirname(target), { recursive: true })
  const delivered = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${randomBytes(6).toString('hex')}.delivered`,
  )
  try {
    await writeFile(delivered, bytes)
    if (!tools) {
      if (!mp4) {
        throw new KamuiError(
          'VID_001',
          `${options.what}: the model delivered a WebM video; converting it to MP4 needs ffmpeg, which is not available.`,
        )
      }
      options.logger.warn(
        `${options.what}: ffmpeg is not available, so the delivered MP4 was checked by its signature only (not probed).`,
      )
      await rename(delivered, target)
      return { probe: null, converted: false, verifiedBy: 'magic-bytes' }
    }
    const probe = await probeVideo(tools, delivered, options.signal)
    const ready = mp4 && probe.codec === 'h264' && probe.pixelFormat === 'yuv420p'
    if (ready) {
      await rename(delivered, target)
      return { probe, converted: false, verifiedBy: probe.via }
    }
    options.logger.info(
      `${options.what}: converting ${probe.codec}/${probe.pixelFormat ?? '?'} to H.264 yuv420p MP4.`,
    )
    await writeMp4WithFfmpeg(
      tools,
      target,
      [
        '-i',
        delivered,
        '-map',
        '0:v:0',
        '-map',
        '0:a?',
        '-vf',
        `${TO_BT709},pad=ceil(iw/2)*2:ceil(ih/2)*2`,
        ...H264_OUTPUT_ARGS,
        '-c:a',
        'aac',
      ],
      options.signal,
    )
    return {
      probe: await probeVideo(tools, target, options.signal),
      converted: true,
      verifiedBy: probe.via,
    }
  } finally {
    await rm(delivered, { force: true })
  }
}
