import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, existsSync } from 'node:fs'
import { mkdir, open, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { abortReason } from '../../core/abort.js'
import { KamuiError, type ErrorCode } from '../../core/errors.js'
import { silentLogger, type Logger } from '../../core/logger.js'
import { modelLabel, type CpuModel, type CpuModelFile } from './catalog.js'

/** Where CPU models live and whether they may be downloaded. */
export interface CpuModelOptions {
  /** Absolute folder of the model cache (`model-cache-dir`). */
  cacheDir: string
  /** Base URL of the Hugging Face Hub (`HF_ENDPOINT`, default `https://huggingface.co`). */
  hubUrl: string
  /** True when downloads are off (`HF_HUB_OFFLINE=1`): only the cache is used. */
  offline: boolean
  /** fetch to use (tests); default the global one. */
  fetch?: typeof fetch
  /** Deadline for each file's response headers, ms (default 30 000). */
  connectTimeoutMs?: number
}

/** A model whose files are in the cache and verified. */
export interface CachedModel {
  model: CpuModel
  /** Absolute folder holding the repository's files at the pinned revision. */
  dir: string
  /** True when this call downloaded it. */
  downloaded: boolean
  /** Time spent downloading, ms; null when the cache had it. */
  downloadMs: number | null
  /** Time spent checking the sha256 of the cached files, ms. */
  verifyMs: number
}

/** The file written last into a model folder: its presence means the folder is complete. */
export const MANIFEST_FILE = 'kamui-model.json'

/** Largest file accepted when the catalog pins no size (bytes). */
const MAX_UNPINNED_BYTES = 1024 * 1024 * 1024

interface Manifest {
  id: string
  revision: string
  files: { path: string; sha256: string; bytes: number }[]
  completed_at: string
}

/** `<cacheDir>/<owner>/<name>/<revision>`: the folder of one model at its pinned revision. */
export function modelDir(cacheDir: string, model: Pick<CpuModel, 'id' | 'revision'>): string {
  return path.join(cacheDir, ...model.id.split('/'), model.revision)
}

/** How to fill the cache, for error messages. */
export function howToFillCache(model: CpuModel, cacheDir: string): string {
  if (model.catalog) {
    // check:models fills the built-in pins only; an entry of a user's catalog comes from its own Hub or mirror.
    return (
      `Fill it where a Hub that serves ${model.id} at ${model.revision} is reachable (HF_ENDPOINT for a mirror): run ` +
      `the stage once with network access and the same ${model.catalog.file}, then keep the folder (restore it with ` +
      `actions/cache, path ${cacheDir}); or copy ${model.files.map((f) => f.path).join(', ')} of ${model.id} at revision ` +
      `${model.revision} into ${modelDir(cacheDir, model)} (see docs/cpu-models.md).`
    )
  }
  return (
    `Fill it where the Hugging Face Hub is reachable: run the stage once with network access, or ` +
    `\`npm run check:models -- --model-cache-dir ${cacheDir}\` in a clone of this suite, then keep the folder ` +
    `(restore it with actions/cache, path ${cacheDir}, key kamui-models-${model.revision.slice(0, 12)}); or copy ` +
    `${model.files.map((f) => f.path).join(', ')} of ${model.id} at revision ${model.revision} into ` +
    `${modelDir(cacheDir, model)} (see docs/cpu-models.md).`
  )
}

/**
 * Makes sure `model` is in the cache and intact, downloading it from the Hub when it is not.
 *
 * Cache layout: `<cacheDir>/<owner>/<name>/<revision>/<repository files>` plus
 * {@link MANIFEST_FILE} (id, revision, every file's sha256 and size), written last. A download
 * goes to a temporary sibling folder, every file checked against its pinned sha256 and size,
 * and the folder is renamed into place only when complete: a failed or interrupted download
 * leaves nothing behind. A cached folder is checked again (sha256 against the catalog, else
 * against the manifest) before it is used.
 *
 * @param code the error code of the caller's stage (PC_003 depth, QA_001 scoring and story figures)
 * @throws KamuiError `code` when the model is not cached and cannot be downloaded (offline, no
 *   network, HTTP error, wrong sha256), naming the model, the cache folder and how to fill it;
 *   or when a cached file no longer matches its sha256. The signal's reason when it aborts.
 */
export async function ensureCpuModel(
  model: CpuModel,
  options: CpuModelOptions,
  run: { code: ErrorCode; logger?: Logger; signal?: AbortSignal },
): Promise<CachedModel> {
  const logger = run.logger ?? silentLogger
  const dir = modelDir(options.cacheDir, model)
  if (existsSync(path.join(dir, MANIFEST_FILE))) {
    const started = performance.now()
    await verifyCached(model, dir, options.cacheDir, run.code)
    return {
      model,
      dir,
      downloaded: false,
      downloadMs: null,
      verifyMs: Math.round(performance.now() - started),
    }
  }
  if (await adoptCopiedFiles(model, dir)) {
    logger.info(`${modelLabel(model)}: files copied into ${dir} checked and recorded.`)
    return { model, dir, downloaded: false, downloadMs: null, verifyMs: 0 }
  }
  const missing = `${model.key} (${modelLabel(model)}) is not in the model cache ${options.cacheDir}`
  if (options.offline) {
    throw new KamuiError(
      run.code,
      `${missing} and downloads are off (HF_HUB_OFFLINE). ${howToFillCache(model, options.cacheDir)}`,
    )
  }
  logger.info(`Downloading ${modelLabel(model)} from ${options.hubUrl} into ${dir} …`)
  const started = performance.now()
  await download(model, dir, options, run.code, run.signal)
  const downloadMs = Math.round(performance.now() - started)
  logger.info(`${modelLabel(model)} downloaded and checked in ${downloadMs} ms.`)
  return { model, dir, downloaded: true, downloadMs, verifyMs: 0 }
}

/** Whether the model's folder is complete in the cache (its manifest is there). */
export function isCached(model: CpuModel, cacheDir: string): boolean {
  return existsSync(path.join(modelDir(cacheDir, model), MANIFEST_FILE))
}

/**
 * A model folder filled by hand (the files copied in, no manifest yet): when every file is there
 * and every pinned one matches its sha256 and size, the manifest is written (the unpinned files'
 * sha256 recorded) and the folder is used. Otherwise false, and the folder is left as it is.
 */
async function adoptCopiedFiles(model: CpuModel, dir: string): Promise<boolean> {
  const files: Manifest['files'] = []
  for (const file of model.files) {
    const local = path.join(dir, ...file.path.split('/'))
    if (!existsSync(local)) return false
    const sha256 = await sha256OfFile(local)
    const bytes = (await stat(local)).size
    if ((file.sha256 && sha256 !== file.sha256) || (file.bytes !== null && bytes !== file.bytes)) {
      return false
    }
    files.push({ path: file.path, sha256, bytes })
  }
  const manifest: Manifest = {
    id: model.id,
    revision: model.revision,
    files,
    completed_at: new Date().toISOString(),
  }
  await writeFile(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`)
  return true
}

async function verifyCached(
  model: CpuModel,
  dir: string,
  cacheDir: string,
  code: ErrorCode,
): Promise<void> {
  const manifest = JSON.parse(await readFile(path.join(dir, MANIFEST_FILE), 'utf8')) as Manifest
  for (const file of model.files) {
    const expected = file.sha256 ?? manifest.files.find((f) => f.path === file.path)?.sha256
    const local = path.join(dir, ...file.path.split('/'))
    const actual = existsSync(local) ? await sha256OfFile(local) : 'missing'
    if (actual !== expected) {
      throw new KamuiError(
        code,
        `The cached ${file.path} of ${modelLabel(model)} in ${dir} is ${actual === 'missing' ? 'missing' : `damaged (sha256 ${actual}, expected ${expected ?? 'unknown'})`}. ` +
          `Delete ${dir} and fill the cache again. ${howToFillCache(model, cacheDir)}`,
      )
    }
  }
}

async function download(
  model: CpuModel,
  dir: string,
  options: CpuModelOptions,
  code: ErrorCode,
  signal: AbortSignal | undefined,
): Promise<void> {
  const temp = `${dir}.partial-${process.pid}-${randomBytes(4).toString('hex')}`
  await rm(temp, { recursive: true, force: true })
  try {
    const files: Manifest['files'] = []
    for (const file of model.files) {
      files.push(await downloadFile(model, file, temp, options, signal))
    }
    const manifest: Manifest = {
      id: model.id,
      revision: model.revision,
      files,
      completed_at: new Date().toISOString(),
    }
    await writeFile(path.join(temp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`)
    await rm(dir, { recursive: true, force: true })
    await rename(temp, dir)
  } catch (error) {
    await rm(temp, { recursive: true, force: true })
    await removeEmptyParents(path.dirname(dir), options.cacheDir)
    if (signal?.aborted) throw abortReason(signal)
    if (error instanceof KamuiError) throw error
    throw new KamuiError(
      code,
      `${model.key} (${modelLabel(model)}) is not in the model cache ${options.cacheDir} and could not be downloaded ` +
        `from ${options.hubUrl}: ${describeNetworkError(error)}. Nothing was left in the cache. ${howToFillCache(model, options.cacheDir)}`,
      { cause: error },
    )
  }
}

/** Downloads one file into `temp`, hashing it as it streams; checks size and sha256. */
async function downloadFile(
  model: CpuModel,
  file: CpuModelFile,
  temp: string,
  options: CpuModelOptions,
  signal: AbortSignal | undefined,
): Promise<Manifest['files'][number]> {
  const url = `${options.hubUrl.replace(/\/+$/, '')}/${model.id}/resolve/${encodeURIComponent(model.revision)}/${file.path}`
  const headers = AbortSignal.timeout(options.connectTimeoutMs ?? 30_000)
  const response = await (options.fetch ?? fetch)(url, {
    signal: signal ? AbortSignal.any([signal, headers]) : headers,
    redirect: 'follow',
  })
  if (!response.ok || !response.body) {
    throw new Error(`HTTP ${response.status} for ${url}`)
  }
  const target = path.join(temp, ...file.path.split('/'))
  await mkdir(path.dirname(target), { recursive: true })
  const hash = createHash('sha256')
  const limit = file.bytes ?? MAX_UNPINNED_BYTES
  let bytes = 0
  const handle = await open(target, 'w')
  try {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      bytes += chunk.byteLength
      if (bytes > limit) throw new Error(`${url} is larger than ${limit} bytes`)
      hash.update(chunk)
      await handle.write(chunk)
    }
  } finally {
    await handle.close()
  }
  const sha256 = hash.digest('hex')
  if ((file.bytes !== null && bytes !== file.bytes) || (file.sha256 && sha256 !== file.sha256)) {
    throw new Error(
      `${file.path} does not match its pin (sha256 ${sha256}, ${bytes} bytes; expected ${file.sha256 ?? 'any'}, ${file.bytes ?? 'any'} bytes)`,
    )
  }
  return { path: file.path, sha256, bytes }
}

/** sha256 of a file, streamed. */
export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Removes the empty `<owner>/<name>` folders a failed first download made, up to the cache. */
async function removeEmptyParents(folder: string, cacheDir: string): Promise<void> {
  let current = folder
  while (current.startsWith(cacheDir) && current !== cacheDir) {
    try {
      await rmdir(current)
    } catch {
      return
    }
    current = path.dirname(current)
  }
}

function describeNetworkError(error: unknown): string {
  const err = error as { message?: string; cause?: { code?: string; message?: string } }
  const cause = err.cause?.code ?? err.cause?.message
  return `${err.message ?? String(error)}${cause ? ` (${cause})` : ''}`
}
