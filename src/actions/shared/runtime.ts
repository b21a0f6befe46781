import { exec } from '@actions/exec'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { cp, mkdir, readFile, rename, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { KamuiError } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import { useSharpFrom } from '../../media/sharp-module.js'
import { useTransformersInstaller } from '../../models/cpu/transformers.js'

/**
 * Makes `sharp` loadable for an action bundle.
 *
 * sharp is a native module: ncc cannot bundle it and dist/ holds no native binaries. When the
 * action runs from a clone with node_modules (tests, the CLI), normal resolution finds it. On a
 * fresh runner (`uses: owner/repo/actions/<stage>@ref` and nothing else) it is not there, so the
 * pinned packages of `runtime/package-lock.json` are installed with `npm ci` into
 * `$RUNNER_TOOL_CACHE/kamui-media-actions/runtime-<lock hash>-<platform>-<arch>-<node ABI>`
 * (the OS temp folder when there is no tool cache). The install runs once per runner and lock
 * version: later steps and later jobs on self-hosted runners reuse it. It is written to a
 * temporary folder and renamed into place, so a half-finished install is never used.
 *
 * @param toolCache `RUNNER_TOOL_CACHE`, or undefined
 * @throws KamuiError CFG_001 when sharp is missing and npm is not available or the install fails
 */
export async function ensureSharp(toolCache: string | undefined, logger: Logger): Promise<void> {
  if (await resolvable()) return
  const target = await installRuntime('', 'sharp', toolCache, logger)
  useSharpFrom(createRequire(path.join(target, 'package.json')).resolve('sharp'))
}

/**
 * Registers how the CPU model runtime is installed (issue 17): `@huggingface/transformers` with
 * `onnxruntime-node`, pinned by `runtime/models/package-lock.json`, goes into the tool cache like
 * sharp (`npm ci --ignore-scripts`: onnxruntime-node's install script, which downloads CUDA
 * libraries from outside the npm registry, is not run; its CPU binaries ship in its tarball).
 * Nothing is installed here: the install runs the first time a stage uses a CPU model (CLIP
 * scoring, Depth Anything V2 depth, story embeddings), once per runner and lock version.
 *
 * @param toolCache `RUNNER_TOOL_CACHE`, or undefined
 */
export function registerModelsRuntime(toolCache: string | undefined, logger: Logger): void {
  useTransformersInstaller(async () => {
    const target = await installRuntime('models', '@huggingface/transformers', toolCache, logger)
    return createRequire(path.join(target, 'package.json')).resolve('@huggingface/transformers')
  })
}

/**
 * Makes the bundled ffmpeg available to the video actions, only when the workflow allows it
 * (`allow-bundled-ffmpeg: true`) and the runner has none: the pinned
 * `runtime/ffmpeg/package-lock.json` (`@ffmpeg-installer/ffmpeg`, a static FFmpeg 4.1 build of
 * December 2018 shipped inside the npm package) is installed into the tool cache like the sharp
 * runtime, once per runner and version. The stage then uses it (and warns about its age)
 * through `KAMUI_BUNDLED_FFMPEG`. Without the switch nothing is installed: the runner's own
 * ffmpeg (GitHub-hosted Ubuntu images ship one; `apt-get install ffmpeg` elsewhere) is used, and
 * without one the stage stops before generating anything with a message saying how to install it.
 *
 * @param env the environment the stage will see (`FFMPEG_PATH`, `PATH`)
 * @param allowBundled the `allow-bundled-ffmpeg` input
 * @returns the absolute path of the installed bundled ffmpeg, or undefined when the runner has
 *   an ffmpeg or the bundled build is not allowed
 * @throws KamuiError CFG_001 when the install fails, VID_001 when the package has no binary for
 *   this platform
 */
export async function ensureFfmpeg(
  toolCache: string | undefined,
  env: Record<string, string | undefined>,
  allowBundled: boolean,
  logger: Logger,
): Promise<string | undefined> {
  if (env['FFMPEG_PATH']?.trim() || onPath('ffmpeg', env['PATH'] ?? '')) return undefined
  if (!allowBundled) return undefined
  const target = await installRuntime('ffmpeg', '@ffmpeg-installer/ffmpeg', toolCache, logger)
  const installer = createRequire(path.join(target, 'package.json'))(
    '@ffmpeg-installer/ffmpeg',
  ) as {
    path?: string
  }
  if (!installer.path || !existsSync(installer.path)) {
    throw new KamuiError(
      'VID_001',
      `@ffmpeg-installer/ffmpeg has no ffmpeg binary for ${process.platform}-${process.arch}: put ffmpeg on the PATH or set FFMPEG_PATH.`,
    )
  }
  return installer.path
}

/** Whether an executable `name` is in one of the folders of `pathList`. */
function onPath(name: string, pathList: string): boolean {
  return pathList
    .split(path.delimiter)
    .filter((dir) => dir !== '')
    .some((dir) => existsSync(path.join(dir, name)))
}

/**
 * Installs `runtime/<sub>/package-lock.json` with `npm ci` into
 * `$RUNNER_TOOL_CACHE/kamui-media-actions/runtime[-<sub>]-<lock hash>-<platform>-<arch>-<ABI>`
 * unless it is there already (checked by `probe`'s package.json), through a temporary folder
 * renamed into place. Install scripts are not run (`--ignore-scripts`): the pinned packages ship
 * their binaries ready to use, and npm drops an optional platform package whose script it was
 * not allowed to run.
 *
 * @returns the install folder
 */
async function installRuntime(
  sub: string,
  probe: string,
  toolCache: string | undefined,
  logger: Logger,
): Promise<string> {
  const runtimeDir = path.resolve(bundleDir(), '..', '..', 'runtime', sub)
  const lock = await readFile(path.join(runtimeDir, 'package-lock.json'))
  const key = createHash('sha256').update(lock).digest('hex').slice(0, 16)
  const target = path.join(
    toolCache || os.tmpdir(),
    'kamui-media-actions',
    `runtime${sub ? `-${sub}` : ''}-${key}-${process.platform}-${process.arch}-${process.versions.modules}`,
  )
  if (existsSync(path.join(target, 'node_modules', probe, 'package.json'))) return target
  logger.info(`Installing the pinned native runtime (${probe}) into ${target} …`)
  const temp = `${target}.${process.pid}.tmp`
  await rm(temp, { recursive: true, force: true })
  await mkdir(temp, { recursive: true })
  await cp(path.join(runtimeDir, 'package.json'), path.join(temp, 'package.json'))
  await cp(path.join(runtimeDir, 'package-lock.json'), path.join(temp, 'package-lock.json'))
  try {
    await exec(
      'npm',
      ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
      {
        cwd: temp,
      },
    )
  } catch (error) {
    throw new KamuiError(
      'CFG_001',
      `Could not install ${probe} with npm. The runner needs npm on the PATH and access to the npm registry.`,
      { cause: error },
    )
  }
  await rename(temp, target).catch(async (error: NodeJS.ErrnoException) => {
    // Another step installed it meanwhile: use theirs.
    await rm(temp, { recursive: true, force: true })
    if (!existsSync(target)) throw error
  })
  return target
}

async function resolvable(): Promise<boolean> {
  try {
    await import(/* webpackIgnore: true */ 'sharp')
    return true
  } catch {
    return false
  }
}

/** Folder of the running bundle (dist/<stage>/) or of this source file. */
function bundleDir(): string {
  return path.dirname(fileURLToPath(import.meta.url))
}
