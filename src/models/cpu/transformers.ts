import { pathToFileURL } from 'node:url'
import { KamuiError, type ErrorCode } from '../../core/errors.js'

/** The transformers.js module. */
export type TransformersModule = typeof import('@huggingface/transformers')

/** Installs the CPU model runtime and returns the resolved entry file of transformers.js. */
export type TransformersInstaller = () => Promise<string>

let installer: TransformersInstaller | undefined
let loading: Promise<TransformersModule> | undefined

/**
 * Tells {@link loadTransformers} how to install the runtime (`@huggingface/transformers`,
 * `onnxruntime-node`) when normal resolution does not find it: the action adapters pass an
 * installer that puts the pinned `runtime/models` packages into the tool cache, like sharp.
 * Nothing is installed until a CPU model is actually used.
 */
export function useTransformersInstaller(install: TransformersInstaller | undefined): void {
  installer = install
  loading = undefined
}

/**
 * Loads transformers.js (node_modules in a clone and the CLI; else through the installer),
 * set up for local files only: `allowRemoteModels = false` (this suite downloads and checks
 * the files itself, see `ensureCpuModel`), no browser or file-system cache of its own.
 *
 * The imports carry `webpackIgnore` so that the bundle leaves them as native dynamic imports
 * (transformers.js and onnxruntime-node are external: dist/ holds no native binaries).
 *
 * @throws KamuiError `code` when the runtime cannot be loaded or installed
 */
export function loadTransformers(code: ErrorCode): Promise<TransformersModule> {
  loading ??= importTransformers().then(configure)
  return loading.catch((error: unknown) => {
    loading = undefined
    if (error instanceof KamuiError) throw error
    throw new KamuiError(
      code,
      `The CPU model runtime (@huggingface/transformers with onnxruntime-node) could not be loaded: ${(error as Error).message}. ` +
        'Install the suite with npm ci (a clone or the CLI); the actions install it into the tool cache on first use.',
      { cause: error },
    )
  })
}

async function importTransformers(): Promise<TransformersModule> {
  try {
    return (await import(
      /* webpackIgnore: true */ '@huggingface/transformers'
    )) as TransformersModule
  } catch (error) {
    if (!installer) throw error
    const entry = await installer()
    const module = (await import(/* webpackIgnore: true */ pathToFileURL(entry).href)) as {
      default?: TransformersModule
    } & TransformersModule
    return module.env ? module : (module.default as TransformersModule)
  }
}

function configure(module: TransformersModule): TransformersModule {
  module.env.allowRemoteModels = false
  module.env.allowLocalModels = true
  module.env.useBrowserCache = false
  module.env.useFSCache = false
  return module
}

/** Time and memory of one CPU model use, for telemetry (`cpu_model` of an artifact). */
export interface CpuModelRun {
  /** The suite's name of the model (`depth-anything-v2-small`). */
  key: string
  /** Hub repository id and pinned revision. */
  model_id: string
  revision: string
  /**
   * Null for the built-in pin; for an entry of a user's catalog (`KAMUI_CPU_MODEL_CATALOG`) the
   * file and the built-in Hub id and revision it replaced.
   */
  catalog: { file: string; replaces: { model_id: string; revision: string } } | null
  /** Downloading the files on first use, ms; null when the cache had them. */
  download_ms: number | null
  /** Loading the ONNX sessions (and checking the cached files' sha256), ms. */
  load_ms: number
  /** The inference (preprocessing, model, postprocessing), ms. */
  inference_ms: number
  /** Resident memory of the process before loading and after the inference, MiB. */
  rss_before_mib: number
  rss_after_mib: number
  /** Peak resident memory of the whole process so far (getrusage maxrss), MiB. */
  peak_rss_mib: number
}

/** Resident memory now, MiB. */
export function rssMib(): number {
  return Math.round(process.memoryUsage().rss / 1048576)
}

/** Peak resident memory of the process (getrusage `ru_maxrss`), MiB. */
export function peakRssMib(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024)
}
