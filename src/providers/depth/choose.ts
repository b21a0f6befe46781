import { KamuiError } from '../../core/errors.js'
import { DEPTH_ANYTHING_MODEL } from './depth-anything.js'
import { DepthImageProvider } from './depth-image.js'
import { LUMINANCE_HEURISTIC, LuminanceHeuristicProvider } from './luminance-heuristic.js'
import { HOW_TO_PROVIDE_DEPTH, type McpDepthTool } from './mcp.js'
import type { DepthProvider } from './provider.js'
import { PREVIEW_DEPTH_NOTICE, PREVIEW_DEPTH_TOOL } from './preview-notice.js'

/** The `depth-model` value that asks for the preview server's placeholder depth. */
export const PREVIEW_DEPTH_MODEL = 'preview'
/** The legacy default of `depth-model` (an MCP tool name). */
export const LEGACY_DEPTH_MODEL = 'midas_v21_small'
/** `depth-model: auto`: the CPU depth model, else the preview placeholder (the pipeline's default). */
export const AUTO_DEPTH_MODEL = 'auto'

/** What the stage must set up for the chosen depth source. */
export type DepthChoice =
  | { kind: 'provider'; provider: DepthProvider }
  /** An MCP tool: on the configured servers, or (preview) on the embedded preview server. */
  | { kind: 'mcp'; tool: McpDepthTool }
  /**
   * A model run on the CPU from the model cache (`depth-anything-v2-small`); `fallback`: the tool
   * used when it cannot be had (`depth-model: auto`); `hint`: appended to its PC_003 message.
   */
  | {
      kind: 'cpu'
      model: typeof DEPTH_ANYTHING_MODEL
      fallback?: McpDepthTool
      hint?: string
    }

/** What {@link chooseDepthSource} decides from. */
export interface DepthChoiceInput {
  /** The `depth-model` input, trimmed. */
  depthModel: string
  /** The `depth-image` input resolved in the workspace, with the text as given; or undefined. */
  depthImage: { file: string; shown: string } | undefined
  /** Whether `mcp-config` was given. */
  hasMcpConfig: boolean
  /**
   * A provider the caller plugs in for `depth-model` (the ComfyUI depth template of
   * self-hosted runners); undefined when it does not handle that name.
   */
  custom?: ((depthModel: string) => DepthProvider | undefined) | undefined
}

/**
 * Picks the depth source, in this order:
 *
 * 1. `depth-image`: the given depth map (depth-model is then not used);
 * 2. `depth-model: luminance-heuristic`: the brightness heuristic, asked for by name only;
 * 3. `depth-model: preview`: the preview server's placeholder tool (labelled PREVIEW);
 * 4. a provider plugged in by the caller for that name (ComfyUI);
 * 4a. `depth-model: depth-anything-v2-small`: Depth Anything V2 Small on the CPU (model cache);
 *     `depth-model: auto`: the same, else the preview placeholder (the pipeline without mcp-config);
 * 4b. without `mcp-config`, the legacy default `midas_v21_small`: Depth Anything V2 Small on the
 *     CPU (issue 17: the default depth source when no MCP or ComfyUI depth is configured);
 * 5. any other name: an MCP depth tool named after it on the `mcp-config` servers (`mcp:<tool>`
 *    names a tool exactly; otherwise `-` becomes `_`: `depth-anything` → `depth_anything`).
 *
 * Without `mcp-config`, a model name (such as the legacy default `midas_v21_small`) has no
 * source: the stage fails with PC_001 instead of silently inventing depth (the legacy module
 * ignored its depth-model and used brightness).
 *
 * @throws KamuiError PC_001 when there is no depth source for the inputs, saying how to provide one
 */
export function chooseDepthSource(input: DepthChoiceInput): DepthChoice {
  if (input.depthImage) {
    return {
      kind: 'provider',
      provider: new DepthImageProvider(input.depthImage.file, input.depthImage.shown),
    }
  }
  const model = input.depthModel
  if (model === '') {
    throw new KamuiError('PC_001', `No depth source: depth-model is empty. ${HOW_TO_PROVIDE_DEPTH}`)
  }
  if (model.toLowerCase() === LUMINANCE_HEURISTIC) {
    return { kind: 'provider', provider: new LuminanceHeuristicProvider() }
  }
  if (model.toLowerCase() === PREVIEW_DEPTH_MODEL) return { kind: 'mcp', tool: previewTool() }
  const custom = input.custom?.(model)
  if (custom) return { kind: 'provider', provider: custom }
  if (model.toLowerCase() === DEPTH_ANYTHING_MODEL)
    return { kind: 'cpu', model: DEPTH_ANYTHING_MODEL }
  if (model.toLowerCase() === AUTO_DEPTH_MODEL) {
    return { kind: 'cpu', model: DEPTH_ANYTHING_MODEL, fallback: previewTool() }
  }
  if (!input.hasMcpConfig && model.toLowerCase() === LEGACY_DEPTH_MODEL) {
    return {
      kind: 'cpu',
      model: DEPTH_ANYTHING_MODEL,
      hint:
        `(depth-model ${LEGACY_DEPTH_MODEL}, the default, is an MCP tool; without mcp-config the default depth ` +
        `source is ${DEPTH_ANYTHING_MODEL} on the CPU.) ${HOW_TO_PROVIDE_DEPTH}`,
    }
  }
  if (/^comfyui:/i.test(model)) {
    throw new KamuiError(
      'PC_001',
      `No depth source: depth-model "${model}" names a ComfyUI workflow, but no ComfyUI depth provider is available ` +
        `in this run. ${HOW_TO_PROVIDE_DEPTH}`,
    )
  }
  if (!input.hasMcpConfig) {
    throw new KamuiError(
      'PC_001',
      `No depth source: depth-model "${model}" is a depth model reached through MCP, but no mcp-config was given ` +
        `and no depth-image either. ${HOW_TO_PROVIDE_DEPTH}`,
    )
  }
  const base = /^mcp:/i.test(model) ? model.slice(4).trim() : model.replace(/-/g, '_')
  if (!/^[A-Za-z0-9_.-]+$/.test(base)) {
    throw new KamuiError('CFG_001', `depth-model "${model}" is not a valid MCP tool name.`)
  }
  return { kind: 'mcp', tool: { name: model, base, preview: false, notice: null } }
}

/** The preview server's placeholder depth tool. */
function previewTool(): McpDepthTool {
  return {
    name: PREVIEW_DEPTH_MODEL,
    base: PREVIEW_DEPTH_TOOL,
    preview: true,
    notice: PREVIEW_DEPTH_NOTICE,
  }
}

/** The chosen depth source in words, for the log. */
export function describeDepthChoice(choice: DepthChoice): string {
  if (choice.kind === 'provider') return choice.provider.name
  if (choice.kind === 'cpu') {
    return `${choice.model} on the CPU${choice.fallback ? ' (else the preview placeholder depth)' : ''}`
  }
  return choice.tool.preview
    ? 'the preview placeholder depth'
    : `the MCP depth tool ${choice.tool.base}`
}
