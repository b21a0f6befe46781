import { KamuiError } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import { PREVIEW_SERVER_KEY } from '../../models/builtin.js'
import { ModelEntrySchema, type ModelEntry } from '../../models/types.js'
import {
  referenceImageProvider,
  resolveReferenceImageModel,
} from '../../providers/image/reference-image.js'
import { resolveToolModel } from '../../providers/image/tool-model.js'
import {
  LlmTextProvider,
  structuredLlmOf,
  type StructuredLlm,
} from '../../providers/text/llm-text.js'
import { McpTextProvider } from '../../providers/text/mcp-text.js'
import { PREVIEW_KEYFRAME_TOOLS } from '../../providers/preview/tools/keyframes.js'
import type { ModelServices } from '../../runner/services.js'
import type { ModelJobRunner } from '../../providers/kinds/job.js'
import { ModelEnhancer } from './enhancer/model-enhancer.js'
import type { KeyframeEnhancer } from './enhancer/types.js'
import type { KeyframesInputs } from './inputs.js'
import { ReferenceRenderer } from './renderer/reference-renderer.js'
import type { KeyframeRenderer } from './renderer/types.js'
import { ModelStoryWriter } from './story/model-writer.js'
import { PreviewStoryWriter } from './story/preview-writer.js'
import type { StoryWriter } from './story/types.js'

/**
 * What the adapter (action entry, CLI, pipeline) lets the keyframes stage use beyond MCP
 * models and the preview server. Without `localModels`, `llm` and ComfyUI registry aliases
 * fail with a clear error (hosted runners have neither).
 */
export interface KeyframesProviders {
  /**
   * Self-hosted runners: ComfyUI keyframe models (`provider: comfyui`, e.g.
   * `sdxl-img2img-local`) on `comfyui-url`, and the local LLM of `llm-url` / `ollama-url`
   * (LM Studio, Ollama as fallback), both from the run's model services.
   */
  localModels?: boolean
  /** A local LLM to use instead of the model services' one (tests inject a scripted LLM). */
  llm?: StructuredLlm
}

/** The providers of the `keyframes` command on any runner: ComfyUI and the local LLM when asked for. */
export const SELF_HOSTED_KEYFRAMES: KeyframesProviders = { localModels: true }

/** The default enhancer with `mcp-config`. */
export const DEFAULT_ENHANCER = 'nano-banana'
/** The default keyframe model with `mcp-config`. */
export const DEFAULT_KEYFRAME_MODEL = 'seedream-4'

/** The chosen writer, enhancer and renderer, and notices for the report. */
export interface ResolvedProviders {
  writer: StoryWriter | null
  enhancer: KeyframeEnhancer
  renderer: KeyframeRenderer
  notices: string[]
}

/** What the provider choice works with. */
interface Choice {
  services: ModelServices
  /** Runs the model jobs: the services' job runner, or a `JobRecorder` for a dry run. */
  runner: ModelJobRunner
  llm: StructuredLlm | undefined
  comfyui: boolean
  logger: Logger
}

/**
 * Resolves `story-model`, `enhancer-model` and `keyframe-model` on the run's model services:
 *
 * - `preview`: the offline preview (templates; the preview server's keyframe tools).
 * - `llm`: the local LLM (story writer, enhancer), connected here, before any model call, when
 *   `enhancer-model` is `llm` or stories are written with `story-model: llm`.
 * - `auto`: stories by the local LLM when one is connected, else preview templates; the
 *   enhancer `nano-banana` and the keyframe model `seedream-4` with `mcp-config`, else preview.
 * - a registry alias: an MCP tool (a preview stand-in labelled `preview:<alias>` when there is
 *   no `mcp-config`), or for `keyframe-model` a ComfyUI template entry.
 *
 * @param needStories false when a storyboard file or an earlier run gives the storyboard
 * @param runner runs the MCP and ComfyUI jobs (default the services' job runner; a
 *   `JobRecorder` for the dry run)
 * @throws KamuiError IMG_002 for unknown aliases or providers this run cannot use, LLM_001
 *   when `llm` is asked for and no local LLM is connected (or none answers), LLM_003 for an
 *   unknown `llm-model`
 */
export async function resolveProviders(
  inputs: KeyframesInputs,
  needStories: boolean,
  services: ModelServices,
  providers: KeyframesProviders,
  logger: Logger,
  runner: ModelJobRunner = services.runner,
): Promise<ResolvedProviders> {
  const local = providers.localModels ?? false
  const llm =
    providers.llm ?? (local && inputs.llm ? structuredLlmOf(await services.llm('chat')) : undefined)
  const choice: Choice = { services, runner, llm, comfyui: local, logger }
  const enhancer = chooseEnhancer(inputs.enhancerModel, choice)
  const renderer = chooseRenderer(inputs.keyframeModel, choice)
  const writer = needStories ? chooseWriter(inputs.storyModel, choice) : null
  const notices = providerNotices(inputs, { writer, enhancer, renderer }, services.previewMode)
  return { writer, enhancer, renderer, notices }
}

function chooseEnhancer(model: string, o: Choice): KeyframeEnhancer {
  const { services } = o
  const alias = model === 'auto' ? (services.previewMode ? 'preview' : DEFAULT_ENHANCER) : model
  if (alias === 'llm') {
    return new ModelEnhancer(new LlmTextProvider(needLlm(o.llm, 'enhancer-model')), o.logger)
  }
  const resolved = resolveToolModel(services.registry, alias, {
    input: 'enhancer-model',
    previewMode: services.previewMode,
    previewEntry: previewEntry(PREVIEW_KEYFRAME_TOOLS.enhance),
    offersLlm: true,
  })
  const text = new McpTextProvider(resolved.entry, o.runner, {
    ...pollInterval(services),
    ...(resolved.preview ? { preview: true, label: resolved.label } : {}),
  })
  return new ModelEnhancer(text, o.logger)
}

function chooseRenderer(model: string, o: Choice): KeyframeRenderer {
  const { services } = o
  const alias =
    model === 'auto' ? (services.previewMode ? 'preview' : DEFAULT_KEYFRAME_MODEL) : model
  const resolved = resolveReferenceImageModel(services.registry, alias, {
    input: 'keyframe-model',
    previewMode: services.previewMode,
    previewEntry: previewEntry(PREVIEW_KEYFRAME_TOOLS.render),
    offersLlm: false,
    comfyui: o.comfyui,
  })
  const provider = referenceImageProvider(resolved, {
    runner: o.runner,
    mcp: services.mcp,
    comfy: () => services.comfy(),
    gpu: services.gpu,
    ...pollInterval(services),
  })
  return new ReferenceRenderer(provider, o.logger)
}

function chooseWriter(model: string, o: Choice): StoryWriter {
  const { services } = o
  const alias = model === 'auto' ? (o.llm ? 'llm' : 'preview') : model
  if (alias === 'llm') {
    return new ModelStoryWriter(new LlmTextProvider(needLlm(o.llm, 'story-model')), o.logger)
  }
  if (alias === 'preview') return new PreviewStoryWriter()
  const resolved = resolveToolModel(services.registry, alias, {
    input: 'story-model',
    previewMode: services.previewMode,
    previewEntry: previewEntry(PREVIEW_KEYFRAME_TOOLS.enhance),
    offersLlm: true,
  })
  if (resolved.preview) return new PreviewStoryWriter(resolved.label)
  const text = new McpTextProvider(resolved.entry, o.runner, pollInterval(services))
  return new ModelStoryWriter(text, o.logger)
}

/** The notices of the report about preview output. */
function providerNotices(
  inputs: KeyframesInputs,
  chosen: Omit<ResolvedProviders, 'notices'>,
  previewMode: boolean,
): string[] {
  const { writer, enhancer, renderer } = chosen
  const notices: string[] = []
  if (writer?.preview) {
    notices.push(
      inputs.storyModel === 'auto'
        ? 'The stories and the storyboard are PREVIEW templates (story-model auto: no local LLM is connected); set story-model to an MCP story tool or connect the local LLM for written stories.'
        : 'The stories and the storyboard are PREVIEW templates, not written by a language model.',
    )
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
  if (previewMode && (inputs.enhancerModel !== 'auto' || inputs.keyframeModel !== 'auto')) {
    notices.push(
      'No mcp-config was given: MCP models are stood in for by the offline preview server.',
    )
  }
  return notices
}

function pollInterval(services: ModelServices): { pollIntervalMs?: number } {
  const ms = services.pollIntervalMs
  return ms !== undefined ? { pollIntervalMs: ms } : {}
}

function needLlm(llm: StructuredLlm | undefined, input: string): StructuredLlm {
  if (!llm) {
    throw new KamuiError(
      'LLM_001',
      `${input} "llm" needs the local LLM (LM Studio or Ollama), which is not connected to this run.`,
    )
  }
  return llm
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
