import { ComfyPool } from '../../providers/comfyui/pool.js'
import { parseComfyUrls } from '../../providers/comfyui/urls.js'
import { KamuiError } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import type { StageContext } from '../../core/stage-context.js'
import { createLlmClient } from '../../providers/llm/create.js'
import type { McpPool } from '../../providers/mcp/pool.js'
import { PREVIEW_SERVER_KEY } from '../../models/builtin.js'
import type { ModelRegistry } from '../../models/registry.js'
import { ModelEntrySchema, type ModelEntry } from '../../models/types.js'
import { PREVIEW_KEYFRAME_TOOLS } from '../../providers/preview/tools/keyframes.js'
import { LlmEnhancer } from './enhancer/llm-enhancer.js'
import { McpEnhancer } from './enhancer/mcp-enhancer.js'
import type { KeyframeEnhancer } from './enhancer/types.js'
import type { KeyframesInputs } from './inputs.js'
import { ComfyRenderer } from './renderer/comfy-renderer.js'
import { McpRenderer } from './renderer/mcp-renderer.js'
import type { KeyframeRenderer } from './renderer/types.js'
import { injectedLlmOf } from './story/local-llm.js'
import { LlmStoryWriter } from './story/llm-writer.js'
import { McpStoryWriter } from './story/mcp-writer.js'
import { PreviewStoryWriter } from './story/preview-writer.js'
import type { InjectedLlm, StoryWriter } from './story/types.js'

/**
 * What the adapter (action entry, CLI) can plug into the keyframes stage beyond MCP: the local
 * LLM (story writing and composition) and ComfyUI image-to-image rendering. Absent ones make
 * `llm` and ComfyUI registry aliases fail with a clear error.
 */
export interface KeyframesProviders {
  /** The local LLM (LM Studio / Ollama) with structured output. */
  llm?: InjectedLlm
  /**
   * A renderer for a `provider: comfyui` registry entry (the image-to-image workflow template).
   * Called once per run with the entry the `keyframe-model` alias resolved to.
   */
  comfyui?: (entry: ModelEntry) => KeyframeRenderer
}

/**
 * The providers of self-hosted runners, made per run from the parsed inputs and the context:
 *
 * - `comfyui`: a {@link ComfyRenderer} on the servers of `comfyui-url` (default
 *   `http://127.0.0.1:8188`), made only when `keyframe-model` resolves to a `provider: comfyui`
 *   registry entry (e.g. `sdxl-img2img-local`); no server is contacted before the first render.
 * - `llm`: the local LLM of `llm-url` / `ollama-url` (LM Studio, Ollama as fallback), connected
 *   here only when `enhancer-model` is `llm`, or `story-model` is `llm` and stories are written
 *   (no `storyboard-file`); with `story-model: auto` the connected LLM then writes the stories.
 *
 * @throws KamuiError CFG_001 for malformed inputs; LLM_001 when the LLM is needed and no server
 *   answers, LLM_003 for an unknown `llm-model`; the signal's reason
 */
export async function localKeyframesProviders(
  inputs: KeyframesInputs,
  context: StageContext,
): Promise<KeyframesProviders> {
  const { logger } = context
  const providers: KeyframesProviders = {
    comfyui: (entry) =>
      new ComfyRenderer(entry, new ComfyPool(parseComfyUrls(inputs.comfyuiUrl), { logger }), {
        logger,
        gpu: { env: context.env },
      }),
  }
  const { llm } = inputs
  if (llm) {
    const client = await createLlmClient({
      lmStudioUrl: llm.lmStudioUrl,
      ollamaUrl: llm.ollamaUrl,
      model: llm.model,
      ollamaModel: llm.ollamaModel,
      purpose: 'chat',
      timeouts: { firstTokenMs: llm.firstTokenTimeoutMs },
      logger,
      ...(context.signal ? { signal: context.signal } : {}),
    })
    providers.llm = injectedLlmOf(client)
  }
  return providers
}

/** The default enhancer with `mcp-config`. */
export const DEFAULT_ENHANCER = 'nano-banana'
/** The default keyframe model with `mcp-config`. */
export const DEFAULT_KEYFRAME_MODEL = 'seedream-4'

/** What {@link resolveProviders} needs. */
export interface ResolveOptions {
  registry: ModelRegistry
  pool: McpPool
  /** True without `mcp-config`: MCP aliases are served by the preview server. */
  previewMode: boolean
  providers: KeyframesProviders
  logger: Logger
  pollIntervalMs?: number
}

/** The chosen writer, enhancer and renderer, and notices for the report. */
export interface ResolvedProviders {
  writer: StoryWriter | null
  enhancer: KeyframeEnhancer
  renderer: KeyframeRenderer
  /** Whether the embedded preview server must be added to the MCP servers. */
  usesPreviewServer: boolean
  notices: string[]
}

/**
 * Resolves `story-model`, `enhancer-model` and `keyframe-model`:
 *
 * - `preview`: the offline preview (templates; the preview server's keyframe tools).
 * - `llm`: the local LLM (story writer, enhancer).
 * - `auto`: stories by the local LLM when one is connected, else preview templates; the
 *   enhancer `nano-banana` and the keyframe model `seedream-4` with `mcp-config`, else preview.
 * - a registry alias: an MCP tool (a preview stand-in labelled `preview:<alias>` when there is
 *   no `mcp-config`), or for `keyframe-model` a ComfyUI template entry.
 *
 * @param needStories false when a storyboard file is given (no writer is made)
 * @throws KamuiError IMG_002 for unknown aliases or providers this build cannot use, LLM_001
 *   when `llm` is asked for and no local LLM is connected
 */
export function resolveProviders(
  models: { story: string; enhancer: string; keyframe: string },
  needStories: boolean,
  o: ResolveOptions,
): ResolvedProviders {
  const notices: string[] = []
  let usesPreviewServer = false
  const mcpOptions = {
    logger: o.logger,
    ...(o.pollIntervalMs !== undefined ? { pollIntervalMs: o.pollIntervalMs } : {}),
  }

  const enhancerAlias =
    models.enhancer === 'auto' ? (o.previewMode ? 'preview' : DEFAULT_ENHANCER) : models.enhancer
  let enhancer: KeyframeEnhancer
  if (enhancerAlias === 'llm') {
    enhancer = new LlmEnhancer(needLlm(o.providers, 'enhancer-model'))
  } else if (enhancerAlias === 'preview' || o.previewMode) {
    const standIn =
      enhancerAlias === 'preview'
        ? undefined
        : mcpEntry(o.registry, enhancerAlias, 'enhancer-model').alias
    usesPreviewServer = true
    enhancer = new McpEnhancer(previewEntry(PREVIEW_KEYFRAME_TOOLS.enhance), o.pool, {
      ...mcpOptions,
      preview: true,
      label: standIn ? `preview:${standIn}` : 'preview',
    })
  } else {
    enhancer = new McpEnhancer(
      mcpEntry(o.registry, enhancerAlias, 'enhancer-model'),
      o.pool,
      mcpOptions,
    )
  }

  const keyframeAlias =
    models.keyframe === 'auto'
      ? o.previewMode
        ? 'preview'
        : DEFAULT_KEYFRAME_MODEL
      : models.keyframe
  let renderer: KeyframeRenderer
  const keyframeEntry = keyframeAlias === 'preview' ? undefined : o.registry.find(keyframeAlias)
  if (keyframeEntry?.provider === 'comfyui') {
    if (!o.providers.comfyui) {
      throw new KamuiError(
        'IMG_002',
        `keyframe-model "${keyframeAlias}" runs on ComfyUI, which is not connected in this build; choose an MCP model or preview.`,
      )
    }
    renderer = o.providers.comfyui(keyframeEntry)
  } else if (keyframeAlias === 'preview' || o.previewMode) {
    const standIn =
      keyframeAlias === 'preview'
        ? undefined
        : mcpEntry(o.registry, keyframeAlias, 'keyframe-model').alias
    usesPreviewServer = true
    renderer = new McpRenderer(previewEntry(PREVIEW_KEYFRAME_TOOLS.render), o.pool, {
      ...mcpOptions,
      preview: true,
      label: standIn ? `preview:${standIn}` : 'preview',
      ...(standIn ? { standInFor: standIn } : {}),
    })
  } else {
    renderer = new McpRenderer(
      mcpEntry(o.registry, keyframeAlias, 'keyframe-model'),
      o.pool,
      mcpOptions,
    )
  }

  let writer: StoryWriter | null = null
  if (needStories) {
    const storyAlias =
      models.story === 'auto' ? (o.providers.llm ? 'llm' : 'preview') : models.story
    if (storyAlias === 'llm') writer = new LlmStoryWriter(needLlm(o.providers, 'story-model'))
    else if (storyAlias === 'preview') writer = new PreviewStoryWriter()
    else {
      const entry = mcpEntry(o.registry, storyAlias, 'story-model')
      writer = o.previewMode
        ? new PreviewStoryWriter(`preview:${entry.alias}`)
        : new McpStoryWriter(entry, o.pool, mcpOptions)
    }
    if (writer.preview) {
      notices.push(
        models.story === 'auto'
          ? 'The stories and the storyboard are PREVIEW templates (story-model auto: no local LLM is connected); set story-model to an MCP story tool or connect the local LLM for written stories.'
          : 'The stories and the storyboard are PREVIEW templates, not written by a language model.',
      )
    }
  }
  if (enhancer.preview) {
    notices.push(
      `The frame compositions are PREVIEW templates written offline (${enhancer.label}), not by an enhancer model.`,
    )
  }
  if (renderer.preview) {
    notices.push(
      `The keyframes are PREVIEW images rendered offline (${renderer.label}) with the product photos pasted in; they are not model output.`,
    )
  }
  if (o.previewMode && (models.enhancer !== 'auto' || models.keyframe !== 'auto')) {
    notices.push(
      'No mcp-config was given: MCP models are stood in for by the offline preview server.',
    )
  }
  return { writer, enhancer, renderer, usesPreviewServer, notices }
}

function needLlm(providers: KeyframesProviders, input: string): InjectedLlm {
  if (!providers.llm) {
    throw new KamuiError(
      'LLM_001',
      `${input} "llm" needs the local LLM (LM Studio or Ollama), which is not connected to this run.`,
    )
  }
  return providers.llm
}

/** The registry entry of an MCP alias. */
function mcpEntry(registry: ModelRegistry, alias: string, input: string): ModelEntry {
  const entry = registry.find(alias)
  const mcp = registry.aliases().filter((a) => {
    const e = registry.find(a)
    return e?.provider === 'mcp' && !e.embedded && e.kind !== 'video'
  })
  if (!entry) {
    throw new KamuiError(
      'IMG_002',
      `${input}: unknown model "${alias}". Use "auto", "preview"${input === 'keyframe-model' ? '' : ', "llm"'} or a registry alias (${mcp.join(', ')}); add your own with a model-registry file.`,
    )
  }
  if (entry.provider !== 'mcp' || !entry.call || entry.kind === 'video') {
    throw new KamuiError(
      'IMG_002',
      `${input}: model "${alias}" is not an MCP ${entry.kind === 'video' ? 'image or text ' : ''}model this step can call (provider ${entry.provider}, kind ${entry.kind}).`,
    )
  }
  return entry
}

/** A registry-like entry for a preview keyframe tool on the embedded server. */
function previewEntry(tool: string): ModelEntry {
  return {
    alias: 'preview',
    ...ModelEntrySchema.parse({
      provider: 'mcp',
      displayName: 'Preview (offline, not a model)',
      embedded: 'preview',
      call: { type: 'sync', tool },
      serverHints: [PREVIEW_SERVER_KEY],
    }),
  }
}
