import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { previewImageArgsShape, resolvePreviewSize, type PreviewImageArgs } from './args.js'
import { jsonText, registerStatusAndResultTools } from './job-tools.js'
import { PreviewJobStore } from './jobs.js'
import { renderPreviewImage } from '../../media/preview/render.js'
import { previewImageResult, type RenderedPreview } from './result.js'
import { SerialQueue } from './serial-queue.js'
import {
  previewTaskCapabilities,
  registerPreviewTool,
  resolvePreviewTasks,
  type PreviewTaskOptions,
  type PreviewTasks,
  type TaskStatusReporter,
} from './tasks.js'
import { registerPreviewDepthTools } from './tools/depth.js'
import { registerPreviewKeyframeTools } from './tools/keyframes.js'
import { registerPreviewVideoTools } from './tools/video.js'

/** Name the preview server reports in the MCP handshake. */
export const PREVIEW_SERVER_NAME = 'kamui-preview'
/** Version the preview server reports in the MCP handshake. */
export const PREVIEW_SERVER_VERSION = '0.1.0'

/** Tool names of the preview server (SPEC §3.4: the hosted tool shapes, sync and async). */
export const PREVIEW_TOOLS = {
  generate: 'preview_generate_image',
  submit: 'preview_image_submit',
  status: 'preview_image_status',
  result: 'preview_image_result',
} as const

/** Options of {@link createPreviewServer}. */
export interface PreviewServerOptions {
  /**
   * How long a submitted job stays `queued` before it renders, in ms (default 0). Simulates a
   * hosted model's latency; the synchronous tool ignores it.
   */
  latencyMs?: number
  /** Environment the video tools find ffmpeg in (see `registerPreviewVideoTools`); default empty. */
  env?: Record<string, string | undefined>
  /**
   * Tasks mode (MCP 2025-11-25, see `tasks.ts`): the image, video and depth tools declare
   * `taskSupport: "optional"` and a submit tool called as a task returns the finished result.
   * Default: off (plain tools, the submit / status / result triples).
   */
  tasks?: PreviewTaskOptions
}

/**
 * Creates the embedded preview MCP server (not yet connected). Tools:
 *
 * - `preview_generate_image` (args: see {@link previewImageArgsShape}): renders at once and
 *   returns an embedded PNG `resource` plus a JSON text item (see {@link previewImageResult}).
 * - `preview_image_submit` (same args): returns text JSON `{ request_id, status: "queued" }`.
 * - `preview_image_status` (`request_id`): text JSON `{ request_id, status }` with status
 *   `queued` | `processing` | `completed` | `failed`.
 * - `preview_image_result` (`request_id`): the same result as the synchronous tool once
 *   completed; an `isError` result while not finished, after a failure, or for an unknown id.
 *
 * In tasks mode (`options.tasks`) these tools, the video tools and the depth tool declare MCP
 * task support (see `tasks.ts`): `preview_image_submit` called as a task answers with the
 * finished image through `tasks/result`, and called plainly it returns the finished image too
 * (the SDK's automatic polling); the status and result tools stay registered.
 *
 * Renders run one at a time (see {@link SerialQueue}). Everything produced is labelled as
 * preview output: a visible `PREVIEW` stamp and `"preview": true` in the JSON.
 */
export function createPreviewServer(options: PreviewServerOptions = {}): McpServer {
  const tasks = resolvePreviewTasks(options.tasks)
  const server = newPreviewMcpServer(tasks)
  const queue = new SerialQueue()
  const jobs = new PreviewJobStore(options.latencyMs ?? 0)
  server.server.onclose = () => jobs.close()

  registerPreviewImageTools(server, tasks, {
    render: serialPreviewRenderer(queue),
    jobs,
    latencyMs: options.latencyMs ?? 0,
  })
  registerPreviewVideoTools(server, { ...options, tasks })
  registerPreviewDepthTools(server, { tasks })
  registerPreviewKeyframeTools(server, options)
  return server
}

/**
 * The bare MCP server with the preview server's name, version and instructions; in tasks mode it
 * also declares the task capabilities and uses `tasks.store` as its task store.
 */
function newPreviewMcpServer(tasks: PreviewTasks | undefined): McpServer {
  return new McpServer(
    { name: PREVIEW_SERVER_NAME, version: PREVIEW_SERVER_VERSION },
    {
      instructions:
        'Offline preview images for kamui. Outputs are labelled previews, not model output.',
      ...(tasks ? { capabilities: previewTaskCapabilities(), taskStore: tasks.store } : {}),
    },
  )
}

/** Renders one preview image from the tool arguments (see {@link serialPreviewRenderer}). */
type PreviewRenderer = (args: PreviewImageArgs) => Promise<RenderedPreview>

/**
 * A renderer whose renders run one at a time on `queue`: the size from
 * {@link resolvePreviewSize} (pixels), seed `args.seed` (default 0), and the trimmed
 * `args.model` as the model the preview stands in for (null when blank or absent).
 */
function serialPreviewRenderer(queue: SerialQueue): PreviewRenderer {
  return (args) => {
    const { width, height } = resolvePreviewSize(args)
    const seed = args.seed ?? 0
    const standInFor = args.model?.trim() || null
    return queue.run(() => ({
      ...renderPreviewImage({ prompt: args.prompt, seed, width, height, standInFor }),
      seed,
      standInFor,
    }))
  }
}

/** What the image tools of {@link registerPreviewImageTools} render and queue with. */
interface PreviewImageToolsDeps {
  render: PreviewRenderer
  /** The submitted jobs (plain mode's submit / status / result tools). */
  jobs: PreviewJobStore
  /** How long a task of the submit tool stays `queued` in tasks mode, ms. */
  latencyMs: number
}

/**
 * Registers the image tools, in this order: `preview_generate_image`, `preview_image_submit`
 * (a task tool in tasks mode, else a plain tool that queues a job on `deps.jobs`), and
 * `preview_image_status` / `preview_image_result`.
 */
function registerPreviewImageTools(
  server: McpServer,
  tasks: PreviewTasks | undefined,
  deps: PreviewImageToolsDeps,
): void {
  const { render, jobs } = deps
  const renderResult = async (
    args: PreviewImageArgs,
    status: TaskStatusReporter,
  ): Promise<CallToolResult> => {
    await status('rendering')
    return previewImageResult(await render(args))
  }

  registerPreviewTool(server, tasks, {
    name: PREVIEW_TOOLS.generate,
    title: 'Preview image (synchronous)',
    description:
      'Renders a deterministic, prompt-seeded PREVIEW picture offline (no model) and returns ' +
      'it as an embedded PNG resource plus JSON metadata.',
    inputSchema: previewImageArgsShape,
    run: renderResult,
  })

  if (tasks) {
    registerPreviewTool(server, tasks, {
      name: PREVIEW_TOOLS.submit,
      title: 'Preview image: submit',
      description:
        'Runs a PREVIEW render as an MCP task (same arguments as preview_generate_image): ' +
        'the task stays queued for the simulated latency; tasks/result returns the finished ' +
        'preview (embedded PNG resource plus JSON metadata).',
      inputSchema: previewImageArgsShape,
      latencyMs: deps.latencyMs,
      run: renderResult,
    })
  } else {
    registerQueuedSubmitTool(server, jobs, render)
  }

  registerStatusAndResultTools(server, {
    status: PREVIEW_TOOLS.status,
    result: PREVIEW_TOOLS.result,
    label: 'Preview image',
    resultDescription: 'The finished preview (embedded PNG resource plus JSON metadata).',
    lookup: (id) => jobs.get(id),
    toResult: previewImageResult,
  })
}

/**
 * Registers the plain `preview_image_submit`: it queues a render on `jobs` and returns text
 * JSON `{ request_id, status: "queued" }` at once.
 */
function registerQueuedSubmitTool(
  server: McpServer,
  jobs: PreviewJobStore,
  render: PreviewRenderer,
): void {
  server.registerTool(
    PREVIEW_TOOLS.submit,
    {
      title: 'Preview image: submit',
      description:
        'Queues a PREVIEW render (same arguments as preview_generate_image). Returns JSON ' +
        '{"request_id", "status": "queued"}; poll preview_image_status, then preview_image_result.',
      inputSchema: previewImageArgsShape,
    },
    (args): CallToolResult => {
      const id = jobs.submit(() => render(args))
      return jsonText({ request_id: id, status: 'queued' })
    },
  )
}
