import type { StageContext } from '../core/stage-context.js'
import { PREVIEW_SERVER_KEY } from '../models/builtin.js'
import { loadModelRegistry, type ModelRegistry } from '../models/registry.js'
import type { RateLimit } from '../models/types.js'
import { ComfyPool } from '../providers/comfyui/pool.js'
import type { DepthChoice } from '../providers/depth/choose.js'
import { DepthAnythingProvider } from '../providers/depth/depth-anything.js'
import { CpuDepthWithFallback } from '../providers/depth/cpu-fallback.js'
import type { CpuModelOptions } from '../models/cpu/cache.js'
import { DEPTH_ANYTHING_V2_SMALL, type CpuModel } from '../models/cpu/catalog.js'
import { cpuModelOptions } from '../models/cpu/options.js'
import { loadCpuModelCatalog } from '../models/cpu/user-catalog.js'
import { comfyDepthProviderFor } from '../providers/depth/comfy-depth-provider.js'
import { McpDepthProvider } from '../providers/depth/mcp.js'
import type { DepthProvider } from '../providers/depth/provider.js'
import { parseComfyUrls } from '../providers/comfyui/urls.js'
import type { GpuCheckOptions } from '../providers/gpu/check.js'
import type { ImageProvider, ResolvedModel } from '../providers/image/provider.js'
import {
  comfyImageJob,
  mcpImageJob,
  RunnerImageProvider,
} from '../providers/image/runner-provider.js'
import { createLlmClient } from '../providers/llm/create.js'
import type { LlmOptions } from '../providers/llm/inputs.js'
import type { LlmClient, ModelPurpose } from '../providers/llm/types.js'
import { parseMcpConfig, type McpServersConfig } from '../providers/mcp/config.js'
import { McpPool } from '../providers/mcp/pool.js'
import { entryPrice } from '../models/price.js'
import type { ImageJob } from '../providers/image/provider.js'
import type { ModelJob } from '../providers/kinds/job.js'
import { Budget, jobPricer } from './budget.js'
import { GenerationQueue } from './generation-queue.js'
import { JobRunner, type JobHooks } from './job-runner.js'
import { JobCache } from './job-cache.js'
import { RunJournal, type ResumeMode } from './journal.js'
import { latenciesOf } from './mcp-job.js'
import { resolveModel, type ModelKind } from '../providers/resolve-model.js'

/** The inputs the model services are opened from (the stage's parsed inputs). */
export interface ModelServicesInputs {
  /** `mcp-config` (the Claude Code `mcpServers` JSON); undefined: preview mode. */
  mcpConfig: string | undefined
  /** `model-registry`: a registry file relative to the workspace, or undefined. */
  modelRegistry: string | undefined
  /** `comfyui-url` (comma list); parsed when a ComfyUI model is first used. */
  comfyuiUrl?: string | undefined
  /** Local-LLM options (LM Studio, Ollama); the client connects on first use. */
  llm?: LlmOptions | undefined
  /** Extra environment of the embedded preview server (`FFMPEG_PATH` for preview clips). */
  previewEnv?: Record<string, string>
  /** `model-cache-dir`: the folder of the CPU models (see `cpuModelOptions`); undefined: the default. */
  modelCacheDir?: string | undefined
  /**
   * CPU model entries that replace the built-in ones of the same `key` (`src/models/cpu/catalog.ts`):
   * another export with its own id, revision and sha256 pins (tests use tiny models this way).
   * The entries of the `KAMUI_CPU_MODEL_CATALOG` file of `context.env` are added when the services
   * open (`loadCpuModelCatalog`); these come first.
   */
  cpuModelCatalog?: readonly CpuModel[] | undefined
}

/** Options of {@link ModelServices.open}. */
export interface ModelServicesOptions {
  /** Journal / progress hooks of the job runner. */
  hooks?: JobHooks
  /**
   * The run journal (issue 11) of the stage folder: `{folder}/metadata/journal.jsonl` is
   * opened here, every job of the runner is keyed and journalled, and with `resume` other than
   * `false` reused or resumed from what earlier runs of the folder journalled.
   */
  journal?: { folder: string; resume: ResumeMode }
  /**
   * The content-addressed job cache (issue 11 §4; inputs `cache-folder`, `cache-ttl-hours`):
   * absolute folder (null: off) and time to live in ms (0: off). Used with `journal`: a job
   * found there is answered at $0 with no model call, and every result is stored.
   */
  cache?: { folder: string | null; ttlMs: number }
  /**
   * The run's budget (issue 11, input `max-cost-usd`, US dollars; undefined: no cap): checked
   * by the job runner before every submit (`src/runner/budget.ts`). Costs are counted either way.
   */
  budget?: { maxCostUsd: number | undefined }
}

/**
 * The model services of one stage run (SPEC §2, §3): the model registry, one MCP pool with
 * the embedded preview server registered from the start (started only when a preview model
 * is called), the ComfyUI pool and the local LLM opened on first use, the GPU memory probe,
 * and the job runner every model call goes through. Open it once per stage run with
 * {@link ModelServices.open} and `await services.close()` in `finally`.
 *
 * Stages ask it for "a provider of kind K for alias A" (`resolveModel`, then the provider
 * factories of `src/runner/providers.ts`) and never look at which provider type is behind it.
 */
export class ModelServices {
  private readonly llmClients = new Map<ModelPurpose, Promise<LlmClient>>()

  private constructor(
    readonly registry: ModelRegistry,
    readonly mcp: McpPool,
    readonly runner: JobRunner,
    /** The run journal of the stage folder, when the stage asked for one. */
    readonly journal: RunJournal | undefined,
    /** The run's budget and cost count (issue 11). */
    readonly budget: Budget,
    /** True without `mcp-config`: MCP aliases are stood in for by the preview server. */
    readonly previewMode: boolean,
    private readonly openComfy: () => ComfyPool,
    private readonly inputs: ModelServicesInputs,
    private readonly context: StageContext,
  ) {}

  /**
   * Loads the registry and the CPU model catalog file, parses `mcp-config` and builds the MCP
   * pool (nothing is connected yet).
   *
   * @throws KamuiError CFG_002 malformed `mcp-config`, CFG_003 / FS_001 bad registry file or
   *   CPU model catalog file (`KAMUI_CPU_MODEL_CATALOG`)
   */
  static async open(
    inputs: ModelServicesInputs,
    context: StageContext,
    options: ModelServicesOptions = {},
  ): Promise<ModelServices> {
    const registry = await loadModelRegistry(context.workspace, inputs.modelRegistry)
    // Entries given by the caller first, then those of the KAMUI_CPU_MODEL_CATALOG file (checked here: fail fast).
    const cpuModelCatalog = [
      ...(inputs.cpuModelCatalog ?? []),
      ...(await loadCpuModelCatalog(context)),
    ]
    const { logger, redactor, env } = context
    const servers: McpServersConfig = inputs.mcpConfig
      ? parseMcpConfig(inputs.mcpConfig, { logger, redactor, env })
      : {}
    servers[PREVIEW_SERVER_KEY] = {
      kind: 'stdio',
      ...context.previewServer,
      env: { ...inputs.previewEnv },
    }
    const mcp = new McpPool(servers, { logger, redactor, env }, { onDemand: [PREVIEW_SERVER_KEY] })
    let comfy: ComfyPool | undefined
    const openComfy = (): ComfyPool =>
      (comfy ??= new ComfyPool(parseComfyUrls(inputs.comfyuiUrl), { logger }))
    const pricer = jobPricer((alias) => {
      const entry = registry.find(alias)
      return entry ? entryPrice(entry) : undefined
    })
    const journal = options.journal
      ? await RunJournal.open(options.journal.folder, {
          resume: options.journal.resume,
          logger,
          // A job's cost at registry prices, by its units (`jobPricer`): 0 for the preview
          // server, null when unknown (e.g. ComfyUI on one's own GPU).
          priceOf: (_label, job) => (job ? pricer(job).cost.usd : null),
          ...(options.cache
            ? { cache: new JobCache(options.cache.folder, options.cache.ttlMs, logger) }
            : {}),
        })
      : undefined
    const budget = new Budget(options.budget?.maxCostUsd, pricer)
    // The folder's earlier runs teach this run's poll schedule their models' latencies.
    const latencies = latenciesOf(mcp)
    for (const seen of journal?.readyWindows() ?? [])
      latencies.observe(seen.model, seen.afterMs, seen.byMs)
    const runner = new JobRunner({ mcp, comfy: openComfy }, options.hooks, journal, budget)
    const previewMode = inputs.mcpConfig === undefined
    const services = new ModelServices(
      registry,
      mcp,
      runner,
      journal,
      budget,
      previewMode,
      openComfy,
      { ...inputs, cpuModelCatalog },
      context,
    )
    return services
  }

  /** The run's ComfyUI servers (`comfyui-url`, default `http://127.0.0.1:8188`), made on first use. */
  comfy(): ComfyPool {
    return this.openComfy()
  }

  /**
   * The local LLM for `purpose` (LM Studio, else Ollama), connected once on first use.
   *
   * @throws KamuiError LLM_001 when no server answers, LLM_003 for an unknown model, CFG_001
   *   when the stage has no LLM options
   */
  llm(purpose: ModelPurpose = 'chat'): Promise<LlmClient> {
    const options = this.inputs.llm
    let client = this.llmClients.get(purpose)
    if (!client) {
      const { logger, signal } = this.context
      const vision = purpose === 'vision'
      client = createLlmClient({
        lmStudioUrl: options?.lmStudioUrl,
        ollamaUrl: options?.ollamaUrl,
        model: vision ? options?.visionModel : options?.model,
        ollamaModel: vision ? (options?.visionModel ?? options?.ollamaModel) : options?.ollamaModel,
        purpose,
        ...(options ? { timeouts: { firstTokenMs: options.firstTokenTimeoutMs } } : {}),
        logger,
        ...(signal ? { signal } : {}),
      })
      this.llmClients.set(purpose, client)
    }
    return client
  }

  /** The GPU memory probe of ComfyUI jobs (`nvidia-smi` found through the context's env). */
  get gpu(): GpuCheckOptions {
    return { env: this.context.env }
  }

  /** Status polling interval set by the context (tests shorten it), or undefined. */
  get pollIntervalMs(): number | undefined {
    return this.context.pollIntervalMs
  }

  /**
   * The model a stage calls for `alias` of `kind` (see {@link resolveModel}): the entry, its
   * label and whether the preview server stands in. A ComfyUI model opens the ComfyUI pool here,
   * so a malformed `comfyui-url` fails before any job runs.
   *
   * @throws KamuiError IMG_002 for an unknown alias or one of another kind; CFG_001 for a
   *   malformed `comfyui-url`
   */
  resolveModel(alias: string, kind: ModelKind = 'image'): ResolvedModel {
    const model = resolveModel(this.registry, alias, kind, this.previewMode)
    if (model.entry.provider === 'comfyui') this.comfy()
    return model
  }

  /**
   * The image provider of a resolved model: its MCP tools (hosted, or the preview server) or
   * its ComfyUI text-to-image template, every call made by the job runner.
   *
   * @throws KamuiError CFG_003 when an MCP entry has no call
   */
  image(model: ResolvedModel): ImageProvider {
    return new RunnerImageProvider(model, this.runner, this.imageJob(model))
  }

  /**
   * The model job the image provider of `model` runs for an image job (the dry run plans
   * these without running them).
   *
   * @throws KamuiError CFG_003 when an MCP entry has no call
   */
  imageJob(model: ResolvedModel): (job: ImageJob) => ModelJob {
    return model.entry.provider === 'comfyui'
      ? comfyImageJob(model, this.gpu)
      : mcpImageJob(model, this.context.pollIntervalMs)
  }

  /**
   * The depth provider of a depth choice (`chooseDepthSource`): a given provider as it is, or
   * the MCP depth tool (the preview server's placeholder tool in the preview case) run by the
   * job runner, polled every `context.pollIntervalMs` when it is set (100 ms for the preview),
   * otherwise on the runner's adaptive schedule (`poll-schedule.ts`); a CPU model (`depth-anything-v2-small`) from the run's model cache.
   */
  depth(choice: DepthChoice): DepthProvider {
    if (choice.kind === 'provider') return choice.provider
    if (choice.kind === 'cpu') {
      const model = this.cpuModel(DEPTH_ANYTHING_V2_SMALL)
      const cpu = new DepthAnythingProvider(this.cpuModels(), model, choice.hint)
      if (!choice.fallback) return cpu
      return new CpuDepthWithFallback(cpu, this.depth({ kind: 'mcp', tool: choice.fallback }))
    }
    const pollIntervalMs = this.context.pollIntervalMs ?? (choice.tool.preview ? 100 : undefined)
    return new McpDepthProvider(
      this.runner,
      this.mcp,
      choice.tool,
      pollIntervalMs === undefined ? {} : { pollIntervalMs },
    )
  }

  /**
   * Where this run's CPU models (CLIP, Depth Anything, sentence embeddings) are cached and
   * whether they may be downloaded: `model-cache-dir`, `HF_ENDPOINT`, `HF_HUB_OFFLINE`.
   *
   * @throws KamuiError FS_001 when a relative `model-cache-dir` leaves the workspace
   */
  cpuModels(): CpuModelOptions {
    return cpuModelOptions(this.inputs.modelCacheDir, this.context)
  }

  /** The catalog entry of a CPU model: `builtin`, or the `cpuModelCatalog` entry of its key. */
  cpuModel(builtin: CpuModel): CpuModel {
    return this.inputs.cpuModelCatalog?.find((m) => m.key === builtin.key) ?? builtin
  }

  /**
   * The ComfyUI depth provider of `depth-model: comfyui:<template>` on this run's ComfyUI
   * servers, or undefined for any other name.
   *
   * @throws KamuiError PC_001 when the template is not a shipped depth template
   */
  comfyDepth(depthModel: string): DepthProvider | undefined {
    return comfyDepthProviderFor(depthModel, this.runner, this.gpu)
  }

  /**
   * A generation queue of this run: `maxParallel` jobs at once, each model under its registry
   * rate limit (or, for a shard of a sharded run, the shard's share of it in `rateLimits`,
   * keyed by model label), transient failures retried with the context's retry policy.
   */
  queue(maxParallel: number, rateLimits?: ReadonlyMap<string, RateLimit>): GenerationQueue {
    return new GenerationQueue({
      maxParallel,
      rateLimitOf: (label) => rateLimits?.get(label) ?? this.registry.find(label)?.rateLimit ?? {},
      logger: this.context.logger,
      ...(this.context.retryPolicy ? { retry: this.context.retryPolicy } : {}),
    })
  }

  /** Closes the MCP connections (stdio servers are stopped) and the journal. Never throws. */
  async close(): Promise<void> {
    await this.mcp.close()
    await this.journal?.close()
  }
}
