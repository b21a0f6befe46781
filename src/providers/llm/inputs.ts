import { KamuiError } from '../../core/errors.js'
import { withDefaults, type InputSpec, type RawInputs } from '../../core/input-spec.js'
import { DEFAULT_LMSTUDIO_URL, DEFAULT_OLLAMA_URL } from './create.js'
import { normaliseBaseUrl } from './http.js'

/** How `translate-prompt` treats the prompt. */
export type TranslateMode = 'auto' | 'always' | 'off'

/** The alias of `quality-scorer` that selects the local vision-model scorer. */
export const VISION_SCORER_ALIAS = 'vision'

/**
 * The local-LLM inputs of the stages that take an image prompt (SPEC §3.3). Defaults are the
 * local URLs of LM Studio and Ollama; nothing contacts them unless an option needs an LLM.
 *
 * `translate-prompt` defaults to `off`: on hosted runners no local LLM exists, and a default
 * that needs one would either fail every non-English prompt there or silently skip the
 * translation. `auto` is the setting for self-hosted GPU runners: it asks the LLM only for
 * prompts the script heuristic finds not to be English, and fails with LLM_001 when no LLM
 * answers (the user asked for translation; an untranslated prompt would give wrong images).
 */
export const LLM_INPUTS: readonly InputSpec[] = [
  {
    name: 'translate-prompt',
    default: 'off',
    description:
      'Translate the image prompt into English with the local LLM before generation: auto (only ' +
      'prompts a script heuristic finds not to be English, e.g. Japanese, Chinese, Korean, ' +
      'Cyrillic; Latin-script prompts are taken as English), always, or off. The report keeps ' +
      'both prompts. auto and always need LM Studio or Ollama on the runner (LLM_001 otherwise).',
  },
  {
    name: 'enhance-prompt',
    default: 'false',
    description:
      'Rewrite the (translated) prompt into a detailed image prompt with the local LLM before ' +
      'generation (true/false). The report keeps the original.',
  },
  {
    name: 'llm-url',
    default: DEFAULT_LMSTUDIO_URL,
    description:
      'LM Studio server (OpenAI-compatible API) used by translate-prompt, enhance-prompt and ' +
      'quality-scorer: vision. none: LM Studio is not tried.',
  },
  {
    name: 'ollama-url',
    default: DEFAULT_OLLAMA_URL,
    description:
      'Ollama server used when LM Studio does not answer. none: no fallback. The report says ' +
      'which of the two answered.',
  },
  {
    name: 'llm-model',
    default: '',
    description:
      'Model id for translation and enhancement (LM Studio model key, e.g. ' +
      'qwen2.5-7b-instruct). Empty: the first loaded chat model. An id the server does not ' +
      'have fails with LLM_003 listing the available ones.',
  },
  {
    name: 'ollama-model',
    default: '',
    description:
      'Model name on the Ollama fallback (e.g. qwen2.5:7b). Empty: llm-model when set, else ' +
      'the first loaded model.',
  },
  {
    name: 'vision-model',
    default: '',
    description:
      'Vision model for quality-scorer: vision (e.g. qwen2.5-vl-7b-instruct). Empty: the ' +
      'first vision model (type vlm) the server lists.',
  },
  {
    name: 'llm-first-token-timeout',
    default: '300',
    description:
      'Seconds to wait for the first token of each LLM answer. Generous because LM Studio and ' +
      'Ollama load a model on its first request, which can take minutes.',
  },
]

/** Values of `llm-url` / `ollama-url` that turn the server off (an empty input means the default). */
const DISABLED = ['none', 'off']

/** Typed local-LLM options of a stage. */
export interface LlmOptions {
  translate: TranslateMode
  enhance: boolean
  /** Normalised base URL, or undefined for `none`. */
  lmStudioUrl: string | undefined
  /** Normalised base URL, or undefined for `none` (no fallback). */
  ollamaUrl: string | undefined
  model: string | undefined
  ollamaModel: string | undefined
  visionModel: string | undefined
  /** First-token deadline of each call, ms. */
  firstTokenTimeoutMs: number
}

/**
 * Parses {@link LLM_INPUTS} from a stage's raw inputs (defaults applied; names it does not
 * know are ignored).
 *
 * @throws KamuiError CFG_001 naming the input, the value and what is accepted
 */
export function parseLlmInputs(raw: RawInputs): LlmOptions {
  const r = withDefaults(LLM_INPUTS, raw)
  const translate = (r['translate-prompt'] ?? '').trim().toLowerCase()
  if (translate !== 'auto' && translate !== 'always' && translate !== 'off') {
    throw new KamuiError(
      'CFG_001',
      `translate-prompt must be one of auto, always, off, got "${r['translate-prompt']}".`,
    )
  }
  const enhance = (r['enhance-prompt'] ?? '').trim().toLowerCase()
  if (!['true', 'false', 'yes', 'no', '1', '0', 'on', 'off', ''].includes(enhance)) {
    throw new KamuiError(
      'CFG_001',
      `enhance-prompt must be true or false, got "${r['enhance-prompt']}".`,
    )
  }
  const timeoutText = (r['llm-first-token-timeout'] ?? '').trim()
  const timeout = /^\d+(\.\d+)?$/.test(timeoutText) ? Number(timeoutText) : NaN
  if (!(timeout >= 1 && timeout <= 3600)) {
    throw new KamuiError(
      'CFG_001',
      `llm-first-token-timeout must be a number of seconds from 1 to 3600, got "${r['llm-first-token-timeout']}".`,
    )
  }
  const text = (name: string): string | undefined => (r[name] ?? '').trim() || undefined
  const url = (name: string): string | undefined => {
    const value = text(name) ?? LLM_INPUTS.find((i) => i.name === name)?.default ?? ''
    if (DISABLED.includes(value.toLowerCase())) return undefined
    return normaliseBaseUrl(value, name)
  }
  return {
    translate,
    enhance: ['true', 'yes', '1', 'on'].includes(enhance),
    lmStudioUrl: url('llm-url'),
    ollamaUrl: url('ollama-url'),
    model: text('llm-model'),
    ollamaModel: text('ollama-model'),
    visionModel: text('vision-model'),
    firstTokenTimeoutMs: Math.round(timeout * 1000),
  }
}
