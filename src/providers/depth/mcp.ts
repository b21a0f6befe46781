import { isKamuiError, KamuiError } from '../../core/errors.js'
import { PREVIEW_SERVER_KEY } from '../../models/builtin.js'
import type { McpCall } from '../../models/types.js'
import type { ModelJobRunner } from '../kinds/job.js'
import type { McpPool } from '../mcp/pool.js'
import { decodeDepthImage } from './decode.js'
import type { DepthEstimate, DepthProvider, DepthRequest, DepthSourceInfo } from './provider.js'

/** What an {@link McpDepthProvider} calls. */
export interface McpDepthTool {
  /** The `depth-model` value, for labels. */
  name: string
  /**
   * Tool name base: the tool `<base>` (one synchronous call) is used when a server has it,
   * otherwise `<base>_submit` / `_status` / `_result`.
   */
  base: string
  /** True for the preview server's placeholder tool. */
  preview: boolean
  /** The sentence that labels the output when it is not a model's, or null. */
  notice: string | null
}

/** Options of {@link McpDepthProvider}. */
export interface McpDepthOptions {
  /** Pause between status calls of the async form, ms. */
  pollIntervalMs?: number
}

/**
 * A depth model behind an MCP tool (hosted, a user's own server, or the preview server's
 * placeholder). The image goes as `image_url`: a `data:image/png;base64,…` URL (hosted fal-style
 * tools accept data URIs for image inputs). The result's first image (bytes, or a URL downloaded
 * at once) is read as the depth map: grey, brighter = nearer, 8 or 16 bits.
 */
export class McpDepthProvider implements DepthProvider {
  readonly name: string

  /**
   * @param runner the job runner that makes the call
   * @param pool the run's MCP servers, searched for the tool's call form (sync or triple)
   */
  constructor(
    private readonly runner: ModelJobRunner,
    private readonly pool: Pick<McpPool, 'findTool' | 'serverKeys'>,
    private readonly tool: McpDepthTool,
    private readonly options: McpDepthOptions = {},
  ) {
    this.name = tool.name
  }

  /**
   * @throws KamuiError PC_001 when no configured server has the tool (the message says how to
   *   provide depth otherwise); the MCP errors of the job runner (IMG_003 on the deadline, GEN_001
   *   when the job failed or returned no media); PC_002 when the result is not a depth image
   */
  async estimate(request: DepthRequest): Promise<DepthEstimate> {
    const { signal, logger } = request
    const call = await this.findCall(signal)
    const output = await this.runner.run(
      {
        provider: 'mcp',
        label: this.tool.name,
        call,
        args: { image_url: `data:image/png;base64,${request.png.toString('base64')}` },
        hints: this.hints,
        ...(this.options.pollIntervalMs !== undefined
          ? { pollIntervalMs: this.options.pollIntervalMs }
          : {}),
        answer: 'media',
      },
      { signal, logger },
    )
    const fetched = await this.runner.fetchMedia(output.media.slice(0, 1), {
      signal,
      logger,
      accept: 'image',
      verify: (bytes) =>
        decodeDepthImage(bytes, `the depth map from ${output.handle.tools[0] ?? this.tool.base}`),
    })
    const invoked = output.handle
    const source: DepthSourceInfo = {
      label: this.tool.preview ? 'preview' : `mcp:${invoked.tools[0] ?? this.tool.base}`,
      kind: this.tool.preview ? 'preview' : 'mcp',
      model: {
        alias: this.tool.preview ? 'preview' : this.tool.name,
        provider: this.tool.preview ? 'preview' : 'mcp',
        server: invoked.server,
        tool: invoked.tools[0] ?? null,
        workflow: null,
      },
      preview: this.tool.preview,
      heuristic: false,
      notice: this.tool.notice,
    }
    return {
      depth: fetched.value,
      source,
      generationMs: output.generationMs,
      downloadMs: fetched.downloadMs,
      gpuMemory: null,
      attempts: output.journal === 'reused' ? 0 : 1,
      ...(output.jobKey ? { jobKey: output.jobKey } : {}),
    }
  }

  /** The preview server's key for the preview tool: it is searched only when named. */
  private get hints(): string[] {
    return this.tool.preview ? [PREVIEW_SERVER_KEY] : []
  }

  private async findCall(signal: AbortSignal): Promise<McpCall> {
    const base = this.tool.base
    const find = { signal, hints: this.hints }
    try {
      await this.pool.findTool(base, find)
      return { type: 'sync', tool: base }
    } catch (error) {
      if (!isKamuiError(error, 'IMG_002')) throw error
    }
    try {
      await this.pool.findTool(`${base}_submit`, find)
      return {
        type: 'async',
        submit: `${base}_submit`,
        status: `${base}_status`,
        result: `${base}_result`,
      }
    } catch (error) {
      if (!isKamuiError(error, 'IMG_002')) throw error
      throw new KamuiError(
        'PC_001',
        `No depth source: no configured MCP server has the tool "${base}" (or "${base}_submit"/"_status"/"_result") ` +
          `that depth-model "${this.tool.name}" names (servers: ${this.pool.serverKeys.join(', ') || 'none'}). ` +
          `${HOW_TO_PROVIDE_DEPTH}`,
        { cause: error },
      )
    }
  }
}

/** The ways to provide depth, appended to every PC_001 message. */
export const HOW_TO_PROVIDE_DEPTH =
  'Provide depth in one of these ways: (1) mcp-config with a server whose depth tool is named after depth-model ' +
  '(depth-model midas_v21_small → tool midas_v21_small or midas_v21_small_submit/_status/_result; "mcp:<tool>" names any tool); ' +
  '(2) depth-image: a depth map you already have (grey PNG, brighter = nearer); ' +
  '(3) depth-model: comfyui:<template> on a self-hosted ComfyUI runner, where available; ' +
  "(4) depth-model: preview for the preview server's placeholder depth (labelled PREVIEW, not a model); " +
  '(5) depth-model: luminance-heuristic to guess depth from brightness (labelled as a heuristic).'
