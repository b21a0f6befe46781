import { errorMessage } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import { ensureCpuModel, type CpuModelOptions } from '../../models/cpu/cache.js'
import { modelLabel, type CpuModel } from '../../models/cpu/catalog.js'
import { loadTransformers } from '../../models/cpu/transformers.js'
import type { LlmClient } from '../../providers/llm/types.js'
import type { TextEmbedder } from './story-figures.js'

/**
 * The sentence-embedding model of the story figures on the CPU (all-MiniLM-L6-v2 by default,
 * `src/models/cpu/catalog.ts`): transformers.js's `feature-extraction` pipeline, mean pooling
 * over the attention mask, L2-normalised. Returns `{ unavailable: reason }` when the model is
 * not cached and cannot be downloaded, or the runtime cannot be loaded (the figures are then
 * reported as not measured with that reason; the stage goes on).
 */
export async function cpuTextEmbedder(
  model: CpuModel,
  options: CpuModelOptions,
  run: { logger: Logger; signal?: AbortSignal },
): Promise<TextEmbedder | { unavailable: string }> {
  try {
    const cached = await ensureCpuModel(model, options, { code: 'QA_001', ...run })
    const t = await loadTransformers('QA_001')
    const extractor = await t.pipeline('feature-extraction', cached.dir, {
      device: 'cpu',
      dtype: model.dtype,
    })
    const call = extractor as unknown as (
      texts: string[],
      o: { pooling: 'mean'; normalize: boolean },
    ) => Promise<{ dims: number[]; data: Float32Array }>
    return {
      method: `sentence embeddings of ${model.key} (${modelLabel(model)}) on the CPU, mean pooling, L2-normalised`,
      model: { id: model.id, revision: model.revision },
      embed: async (texts) => {
        const out: Float32Array[] = []
        for (const text of texts) {
          const tensor = await call([text], { pooling: 'mean', normalize: true })
          out.push(Float32Array.from(tensor.data))
        }
        return out
      },
    }
  } catch (error) {
    if (run.signal?.aborted) throw error
    const reason = errorMessage(error)
    run.logger.info(`Story figures: no sentence-embedding model (${reason}).`)
    return { unavailable: reason }
  }
}

/**
 * The local LLM's embeddings endpoint (LM Studio `/v1/embeddings`, Ollama as fallback) as the
 * story figures' embedder, for runs that configured the local LLM: `connect` opens the client for
 * the `embeddings` purpose (the server's embedding model). Returns `{ unavailable: reason }` when
 * no server answers or it has no embedding model (the caller then uses the CPU model).
 */
export async function llmTextEmbedder(
  connect: () => Promise<LlmClient>,
  run: { logger: Logger; signal?: AbortSignal },
): Promise<TextEmbedder | { unavailable: string }> {
  try {
    const client = await connect()
    const model = client.model
    const signal = run.signal
    return {
      method: `embeddings of ${model} from the local LLM (${client.provider} at ${client.baseUrl}), cosine similarity`,
      model: null,
      embed: async (texts) =>
        (await client.embed([...texts], { model, ...(signal ? { signal } : {}) })).map((v) =>
          Float32Array.from(v),
        ),
    }
  } catch (error) {
    if (run.signal?.aborted) throw error
    const reason = errorMessage(error)
    run.logger.info(`Story figures: the local LLM has no embeddings to offer (${reason}).`)
    return { unavailable: reason }
  }
}
