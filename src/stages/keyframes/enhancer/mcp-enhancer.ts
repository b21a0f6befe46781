import { KamuiError } from '../../../core/errors.js'
import type { Logger } from '../../../core/logger.js'
import { PREVIEW_SERVER_KEY } from '../../../models/builtin.js'
import type { McpCall, ModelEntry } from '../../../models/types.js'
import type { JobOutput, ModelJobRunner } from '../../../providers/kinds/job.js'
import { answerJson } from '../../../providers/mcp/text-answer.js'
import { noChargeCost, registryCost } from '../costs.js'
import { referenceUrls } from '../references.js'
import type { EnhanceRequest, EnhanceResult, KeyframeEnhancer } from './types.js'

/** Keys a composition may come under in a JSON answer, in order of preference. */
const COMPOSITION_KEYS = [
  'composition',
  'enhanced_prompt',
  'enhancedPrompt',
  'prompt',
  'text',
  'output',
  'content',
]

/** Options of {@link McpEnhancer}. */
export interface McpEnhancerOptions {
  logger: Logger
  pollIntervalMs?: number
  /** The entry is the embedded preview server (data URLs only, no charge, labelled preview). */
  preview?: boolean
  /** Label for reports; default the entry's alias. */
  label?: string
}

/**
 * An enhancer behind an MCP tool (sync, or submit / status / result), called as a text job of
 * the run's job runner. The tool receives, of
 * these, the arguments its input schema declares: `prompt` (the whole instruction),
 * `image_urls` (the product references: the URLs they were given as, or PNG data URLs),
 * `aspect_ratio`, the prompt's named fields (`frame_type`, `segment_description`,
 * `next_segment_description`, …, see `buildEnhancerPrompt`), plus the entry's `arguments`.
 * The composition is read from `structuredContent` or JSON text (`composition`,
 * `enhanced_prompt`, `prompt`, `text`, `output` or `content`), else the whole text.
 */
export class McpEnhancer implements KeyframeEnhancer {
  readonly label: string
  readonly preview: boolean
  readonly cacheIdentity: string

  constructor(
    private readonly entry: ModelEntry,
    private readonly runner: ModelJobRunner,
    private readonly options: McpEnhancerOptions,
  ) {
    if (!entry.call) throw new KamuiError('IMG_002', `Model "${entry.alias}" has no MCP call.`)
    this.preview = options.preview ?? false
    this.label = options.label ?? entry.alias
    this.cacheIdentity = `mcp:${this.label}:${JSON.stringify(entry.call)}:${JSON.stringify(entry.arguments)}`
  }

  async enhance(request: EnhanceRequest): Promise<EnhanceResult> {
    const { entry } = this
    const pollIntervalMs = this.options.pollIntervalMs ?? entry.pollIntervalMs
    const answer = await this.runner.run(
      {
        provider: 'mcp',
        label: this.label,
        call: entry.call as McpCall,
        args: {
          ...request.prompt.fields,
          prompt: request.prompt.prompt,
          image_urls: referenceUrls(request.references, this.preview),
          aspect_ratio: request.aspectRatio,
          ...entry.arguments,
        },
        hints: [...(entry.serverHints ?? []), ...(entry.embedded ? [PREVIEW_SERVER_KEY] : [])],
        ...(pollIntervalMs !== undefined ? { pollIntervalMs } : {}),
        answer: 'text',
      },
      { signal: request.signal, logger: this.options.logger },
    )
    return {
      composition: readComposition(answer),
      model: {
        alias: this.label,
        provider: this.preview ? 'preview' : 'mcp',
        server: answer.handle.server,
        tool: answer.handle.tools[0] ?? null,
        workflow: null,
      },
      generationMs: answer.generationMs,
      cost: this.preview
        ? noChargeCost('nanobanana-enhancement', 'preview server: written offline, no charge')
        : registryCost('nanobanana-enhancement', entry),
    }
  }
}

/**
 * The composition in a text tool's answer.
 *
 * @throws KamuiError GEN_001 when it is empty
 */
export function readComposition(answer: Pick<JobOutput, 'text' | 'structured' | 'handle'>): string {
  const json = answerJson(answer)
  let text: string | undefined
  if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
    const record = json as Record<string, unknown>
    const key = COMPOSITION_KEYS.find(
      (k) => typeof record[k] === 'string' && (record[k] as string).trim() !== '',
    )
    if (key) text = record[key] as string
  }
  text ??= answer.text
  const clean = text.trim()
  if (clean === '') {
    throw new KamuiError(
      'GEN_001',
      `tool "${answer.handle.tools[0]}" on MCP server "${answer.handle.server}" answered without a composition.`,
    )
  }
  return clean
}
