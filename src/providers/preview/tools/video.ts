import { randomUUID, createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'
import { errorMessage } from '../../../core/errors.js'
import { downloadMedia } from '../../../media/download.js'
import { resolveFfmpeg, type FfmpegTools } from '../../../media/video/ffmpeg.js'
import { decodePngRgb } from '../../../media/video/png-rgb.js'
import {
  MAX_PREVIEW_FPS,
  MAX_PREVIEW_SECONDS,
  PREVIEW_VIDEO_NOTICE,
  renderPreviewClip,
  type PreviewClip,
} from '../../../media/video/preview-clip.js'
import { parseAspectRatio } from '../../../media/video/size.js'
import { jsonText, registerStatusAndResultTools } from '../job-tools.js'
import { toolError } from '../result.js'
import { SerialQueue } from '../serial-queue.js'
import { registerPreviewTool, type PreviewTasks, type TaskStatusReporter } from '../tasks.js'

/** Tool names of the preview video tools (the hosted image-to-video shapes, sync and async). */
export const PREVIEW_VIDEO_TOOLS = {
  generate: 'preview_generate_video',
  submit: 'preview_video_submit',
  status: 'preview_video_status',
  result: 'preview_video_result',
} as const

/** Options of {@link registerPreviewVideoTools}. */
export interface PreviewVideoToolOptions {
  /** How long a submitted job stays `queued` before it renders, ms (default 0). */
  latencyMs?: number
  /**
   * Environment for finding ffmpeg (`FFMPEG_PATH`, `PATH`; see `resolveFfmpeg`): the preview
   * server process's own environment, passed in by its entry (`main.ts`), which the stage sets
   * (it passes the ffmpeg it resolved as `FFMPEG_PATH`). Default: empty.
   */
  env?: Record<string, string | undefined>
  /** Tasks mode: the tools declare MCP task support (see `../tasks.ts`). */
  tasks?: PreviewTasks | undefined
}

/**
 * Input schema of `preview_generate_video` and `preview_video_submit`. The image arguments use
 * the hosted names (`image_url`, `end_image_url` as Hailuo-02): an http(s) or `data:` URL of a
 * PNG.
 */
export const previewVideoArgsShape = {
  prompt: z.string().optional().describe('What the clip should show (seeds the camera path).'),
  image_url: z.string().min(1).describe('First frame: http(s) or data: URL of a PNG.'),
  end_image_url: z
    .string()
    .min(1)
    .optional()
    .describe('Last frame (optional): http(s) or data: URL of a PNG; the clip crossfades to it.'),
  duration: z
    .number()
    .positive()
    .max(MAX_PREVIEW_SECONDS)
    .optional()
    .describe(`Length in seconds (up to ${MAX_PREVIEW_SECONDS}); default 5.`),
  fps: z
    .number()
    .int()
    .min(1)
    .max(MAX_PREVIEW_FPS)
    .optional()
    .describe('Frames per second; default 24.'),
  aspect_ratio: z
    .string()
    .optional()
    .describe("Crop to W:H (16:9, 9:16, 1:1, …); default the first image's own."),
  max_long_side: z
    .number()
    .int()
    .min(16)
    .max(1920)
    .optional()
    .describe('Longest side of the clip in pixels; default 1280.'),
  seed: z.number().int().optional().describe('Camera-path seed (integer); default 0.'),
  model: z
    .string()
    .optional()
    .describe('Alias of the video model this preview stands in for (printed on every frame).'),
}

type PreviewVideoArgs = z.infer<z.ZodObject<typeof previewVideoArgsShape>>

/** A finished preview clip with the values its result reports. */
interface RenderedClip extends PreviewClip {
  mp4: Buffer
  standInFor: string | null
  seed: number
}

type JobStatus = 'queued' | 'processing' | 'completed' | 'failed'

interface VideoJob {
  status: JobStatus
  result?: RenderedClip
  error?: string
}

/** Most jobs kept; the oldest finished ones are forgotten first. */
const MAX_JOBS = 32

/**
 * Registers the preview video tools on the preview server:
 *
 * - `preview_generate_video` (args {@link previewVideoArgsShape}): renders a PREVIEW clip at
 *   once: a pan-and-zoom over the first image (crossfading to `end_image_url` when given),
 *   H.264 / yuv420p MP4, every frame stamped `PREVIEW`; see `renderPreviewClip`.
 * - `preview_video_submit` / `_status` / `_result`: the same clip through the hosted async
 *   shape (`{request_id, status}`; status `queued` → `processing` → `completed` | `failed`).
 * - In tasks mode (`options.tasks`) the generate and submit tools declare MCP task support and
 *   a task's result is the finished clip (see `../tasks.ts`).
 *
 * Results: an embedded `resource` (`video/mp4`, base64 blob, `preview://video/<hash>.mp4`) and a
 * text item with JSON `{ preview: true, notice, url, width, height, fps, frames, duration_s,
 * seed, stand_in_for, motion }`. Renders run one at a time.
 */
export function registerPreviewVideoTools(
  server: McpServer,
  options: PreviewVideoToolOptions = {},
): void {
  const queue = new SerialQueue()
  const jobs = new Map<string, VideoJob>()
  let tools: Promise<FfmpegTools> | undefined
  const env = options.env ?? {}
  const latencyMs = Math.max(0, options.latencyMs ?? 0)

  const ffmpeg = (): Promise<FfmpegTools> => (tools ??= resolveFfmpeg(env))
  const render = (args: PreviewVideoArgs): Promise<RenderedClip> =>
    renderVideoJob(args, queue, ffmpeg)

  const renderResult = async (
    args: PreviewVideoArgs,
    status: TaskStatusReporter,
  ): Promise<CallToolResult> => {
    try {
      await status('rendering frames')
      return previewVideoResult(await render(args))
    } catch (error) {
      return toolError(`Preview video failed: ${errorMessage(error)}`)
    }
  }

  registerPreviewTool(server, options.tasks, {
    name: PREVIEW_VIDEO_TOOLS.generate,
    title: 'Preview video (synchronous)',
    description:
      'Renders a PREVIEW clip offline (no model): a pan-and-zoom over the image, crossfading to ' +
      'end_image_url when given; returns an embedded MP4 (H.264, yuv420p) plus JSON metadata.',
    inputSchema: previewVideoArgsShape,
    run: renderResult,
  })

  if (options.tasks) {
    registerPreviewTool(server, options.tasks, {
      name: PREVIEW_VIDEO_TOOLS.submit,
      title: 'Preview video: submit',
      description:
        'Runs a PREVIEW clip as an MCP task (same arguments as preview_generate_video): the ' +
        'task stays queued for the simulated latency; tasks/result returns the finished clip.',
      inputSchema: previewVideoArgsShape,
      latencyMs,
      run: renderResult,
    })
  } else {
    server.registerTool(
      PREVIEW_VIDEO_TOOLS.submit,
      {
        title: 'Preview video: submit',
        description:
          'Queues a PREVIEW clip (same arguments as preview_generate_video). Returns JSON ' +
          '{"request_id", "status": "queued"}; poll preview_video_status, then preview_video_result.',
        inputSchema: previewVideoArgsShape,
      },
      (args): CallToolResult => submitVideoJob(jobs, () => render(args), latencyMs),
    )
  }

  registerStatusAndResultTools(server, {
    status: PREVIEW_VIDEO_TOOLS.status,
    result: PREVIEW_VIDEO_TOOLS.result,
    label: 'Preview video',
    resultDescription: 'The finished preview clip (embedded MP4 plus JSON metadata).',
    lookup: (id) => jobs.get(id),
    toResult: previewVideoResult,
  })
}

/** Renders one clip (one render at a time: frames are computed on this process's event loop). */
async function renderVideoJob(
  args: PreviewVideoArgs,
  queue: SerialQueue,
  ffmpeg: () => Promise<FfmpegTools>,
): Promise<RenderedClip> {
  const tools = await ffmpeg()
  const first = await fetchPng(args.image_url, 'image_url')
  const last = args.end_image_url ? await fetchPng(args.end_image_url, 'end_image_url') : undefined
  const aspect = parseAspectRatio(args.aspect_ratio ?? '', 'aspect_ratio')
  const seed = args.seed ?? 0
  const standInFor = args.model?.trim() || null
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kamui-preview-video-'))
  try {
    const file = path.join(dir, 'clip.mp4')
    const clip = await queue.run(() =>
      renderPreviewClip(
        tools,
        {
          first,
          ...(last ? { last } : {}),
          durationS: args.duration ?? 5,
          fps: args.fps ?? 24,
          ...(aspect ? { aspect } : {}),
          ...(args.max_long_side ? { maxLongSide: args.max_long_side } : {}),
          seed,
          prompt: args.prompt ?? '',
          standInFor,
        },
        file,
      ),
    )
    return { ...clip, mp4: await readFile(file), standInFor, seed }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** Queues a job: it turns `processing` after `latencyMs`, then `completed` or `failed`. */
function submitVideoJob(
  jobs: Map<string, VideoJob>,
  render: () => Promise<RenderedClip>,
  latencyMs: number,
): CallToolResult {
  const id = `preview-video-${randomUUID()}`
  const job: VideoJob = { status: 'queued' }
  jobs.set(id, job)
  evict(jobs)
  const timer = setTimeout(() => {
    job.status = 'processing'
    render().then(
      (result) => {
        job.status = 'completed'
        job.result = result
      },
      (error: unknown) => {
        job.status = 'failed'
        job.error = errorMessage(error)
      },
    )
  }, latencyMs)
  timer.unref?.()
  return jsonText({ request_id: id, status: 'queued' })
}

/** `preview://video/<first 16 hex digits of sha256(mp4)>.mp4`: an identifier, not fetchable. */
export function previewVideoUri(mp4: Uint8Array): string {
  return `preview://video/${createHash('sha256').update(mp4).digest('hex').slice(0, 16)}.mp4`
}

function previewVideoResult(clip: RenderedClip): CallToolResult {
  const uri = previewVideoUri(clip.mp4)
  const meta = {
    preview: true,
    notice: PREVIEW_VIDEO_NOTICE,
    url: uri,
    width: clip.width,
    height: clip.height,
    fps: clip.fps,
    frames: clip.frames,
    duration_s: clip.durationS,
    seed: clip.seed,
    stand_in_for: clip.standInFor,
    motion: clip.motion,
  }
  return {
    content: [
      {
        type: 'resource',
        resource: { uri, mimeType: 'video/mp4', blob: clip.mp4.toString('base64') },
      },
      { type: 'text', text: JSON.stringify(meta) },
    ],
  }
}

/** Fetches (http(s)) or decodes (`data:`) a PNG argument into an RGB raster. */
async function fetchPng(url: string, name: string): Promise<ReturnType<typeof decodePngRgb>> {
  const { bytes } = await downloadMedia(url, { accept: 'image' })
  return decodePngRgb(bytes, name)
}

function evict(jobs: Map<string, VideoJob>): void {
  for (const [id, job] of jobs) {
    if (jobs.size <= MAX_JOBS) break
    if (job.status === 'completed' || job.status === 'failed') jobs.delete(id)
  }
}
