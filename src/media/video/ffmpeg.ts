import { execFile } from 'node:child_process'
import { constants } from 'node:fs'
import { access, realpath, stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { KamuiError } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'

/**
 * Finding the `ffmpeg` (and, where there is one, `ffprobe`) executable, and checking it. The
 * stages receive the environment through their `StageContext`; nothing here reads `process.env`.
 *
 * Policy (the video stage and the pipeline decode downloaded, untrusted media with ffmpeg): the
 * runner's or the distribution's ffmpeg, which gets security updates, is preferred. The static
 * build that ships inside the npm package `@ffmpeg-installer/linux-x64` 4.1.0 is FFmpeg 4.1 from
 * December 2018 with no fixes since; it is used only when the caller allows it explicitly (the
 * `allow-bundled-ffmpeg` input), with a warning naming its age.
 */

/** The npm package that ships a static ffmpeg inside its tarball (an optional dependency). */
export const FFMPEG_NPM_PACKAGE = '@ffmpeg-installer/ffmpeg'

/**
 * Environment variable through which the action entry hands over the bundled binary it
 * installed into the runner's tool cache (only when `allow-bundled-ffmpeg` is true).
 */
export const BUNDLED_FFMPEG_ENV = 'KAMUI_BUNDLED_FFMPEG'

/** What a person is told when there is no ffmpeg to use. */
export const INSTALL_FFMPEG_HINT =
  "Install your distribution's ffmpeg, which gets security updates (`sudo apt-get install -y ffmpeg` on " +
  'Debian and Ubuntu, including self-hosted runners; GitHub-hosted Ubuntu runners ship one on the PATH), or ' +
  'set FFMPEG_PATH to an ffmpeg binary. Only if that is impossible, set allow-bundled-ffmpeg: true to use ' +
  'the static build of the @ffmpeg-installer npm package (FFmpeg 4.1 from December 2018, without security fixes since).'

/** The age of the bundled build, for warnings. */
export const BUNDLED_FFMPEG_AGE =
  'the bundled @ffmpeg-installer/linux-x64 4.1.0 build (FFmpeg 4.1, built 2018-12-10, no security fixes since)'

/**
 * How the ffmpeg in use was found: `FFMPEG_PATH`, the `PATH` (both: the system's or the user's
 * own ffmpeg), `tool-cache` (the bundled build the action installed into the runner's tool
 * cache) or `npm-package` (the bundled build in node_modules).
 */
export type FfmpegSource = 'FFMPEG_PATH' | 'PATH' | 'tool-cache' | 'npm-package'

/** The executables video work runs. */
export interface FfmpegTools {
  /** Absolute path of `ffmpeg`. */
  ffmpeg: string
  /**
   * Absolute path of `ffprobe`, when one was found (`FFPROBE_PATH`, next to `ffmpeg`, or on the
   * PATH); undefined otherwise (the npm package ships none): probing then parses `ffmpeg -i`.
   */
  ffprobe: string | undefined
  source: FfmpegSource
}

/** Options of {@link resolveFfmpeg}. */
export interface ResolveFfmpegOptions {
  /**
   * Whether the bundled 2018 build may be used when there is no system ffmpeg (default false:
   * then VID_001 says how to install ffmpeg).
   */
  allowBundled?: boolean
  /** The npm package tried last (default {@link FFMPEG_NPM_PACKAGE}; tests name an absent one). */
  npmPackage?: string
}

/**
 * Finds ffmpeg, in this order:
 *
 * 1. `env.FFMPEG_PATH`: when set it must name an executable file (a wrong value is an error,
 *    not silently skipped);
 * 2. the first executable `ffmpeg` in the directories of `env.PATH`;
 * 3. only with `allowBundled`: the binary named by `env.KAMUI_BUNDLED_FFMPEG` (installed by the
 *    action into the tool cache), else the binary of the npm package `@ffmpeg-installer/ffmpeg`
 *    (an optional dependency of this suite), loaded with a dynamic import the bundler leaves
 *    alone and resolved from this module's location.
 *
 * `ffprobe` comes from `env.FFPROBE_PATH`, else the folder of the ffmpeg found, else `env.PATH`.
 *
 * @param env the stage's environment (`StageContext.env`)
 * @throws KamuiError VID_001 naming what was tried and how to install ffmpeg
 */
export async function resolveFfmpeg(
  env: Record<string, string | undefined>,
  options: ResolveFfmpegOptions = {},
): Promise<FfmpegTools> {
  const exe = process.platform === 'win32' ? '.exe' : ''
  const explicit = env['FFMPEG_PATH']?.trim()
  let ffmpeg: string | undefined
  let source: FfmpegSource | undefined
  if (explicit) {
    const absolute = path.resolve(explicit)
    if (!(await isExecutableFile(absolute))) {
      throw new KamuiError(
        'VID_001',
        `FFMPEG_PATH is set to "${explicit}", which is not an executable file. Point it at an ffmpeg binary or unset it.`,
      )
    }
    ffmpeg = absolute
    source = 'FFMPEG_PATH'
  }
  if (!ffmpeg) {
    ffmpeg = await findOnPath(`ffmpeg${exe}`, env['PATH'])
    if (ffmpeg) source = 'PATH'
  }
  const npmPackage = options.npmPackage ?? FFMPEG_NPM_PACKAGE
  if (!ffmpeg && options.allowBundled) {
    const installed = env[BUNDLED_FFMPEG_ENV]?.trim()
    if (installed && (await isExecutableFile(installed))) {
      ffmpeg = path.resolve(installed)
      source = 'tool-cache'
    } else {
      ffmpeg = await fromNpmPackage(npmPackage)
      if (ffmpeg) source = 'npm-package'
    }
  }
  if (!ffmpeg || !source) {
    throw new KamuiError(
      'VID_001',
      options.allowBundled
        ? `ffmpeg is not available: FFMPEG_PATH is not set, no executable "ffmpeg" is on the PATH, and the ` +
            `bundled build (npm package ${npmPackage}, an optional dependency) is not installed. ${INSTALL_FFMPEG_HINT}`
        : `ffmpeg is not available: FFMPEG_PATH is not set and no executable "ffmpeg" is on the PATH. ${INSTALL_FFMPEG_HINT}`,
    )
  }
  return { ffmpeg, ffprobe: await findFfprobe(env, ffmpeg, exe), source }
}

/** Whether `source` names the bundled 2018 build rather than the system's ffmpeg. */
export function isBundledSource(source: FfmpegSource): boolean {
  return source === 'tool-cache' || source === 'npm-package'
}

/**
 * The ffmpeg record of the telemetry (`metadata/artifact-metadata.json` → `ffmpeg`) and of the
 * video report: which binary ran, its version, and whether it is the system's or the bundled
 * build.
 */
export interface FfmpegInfo {
  /** Absolute path of the ffmpeg binary. */
  path: string
  /** The version `ffmpeg -version` prints (`5.1.9-0+deb12u1`, `N-47683-g0e8eb07980-static`). */
  version: string
  /** `system`: the runner's, the distribution's or FFMPEG_PATH's; `bundled`: the 2018 npm build. */
  source: 'system' | 'bundled'
  /** How it was found (see {@link FfmpegSource}). */
  found_via: FfmpegSource
  /** Absolute path of ffprobe, or null when there is none. */
  ffprobe: string | null
}

/** Oldest FFmpeg major release line that is still maintained with security fixes (5.1 LTS). */
const OLDEST_MAINTAINED_MAJOR = 5

/**
 * Checks the ffmpeg found at start-up: runs `ffmpeg -version` (no shell, 15 s at most), reads
 * the version, and warns through `logger` when the bundled 2018 build is in use (naming its
 * age) or when a system ffmpeg is older than the 5.x line.
 *
 * @throws KamuiError VID_001 when the binary does not run or does not print an ffmpeg version
 */
export async function inspectFfmpeg(tools: FfmpegTools, logger?: Logger): Promise<FfmpegInfo> {
  const version = await ffmpegVersion(tools.ffmpeg)
  const bundled = isBundledSource(tools.source) || (await looksBundled(tools.ffmpeg))
  const info: FfmpegInfo = {
    path: tools.ffmpeg,
    version,
    source: bundled ? 'bundled' : 'system',
    found_via: tools.source,
    ffprobe: tools.ffprobe ?? null,
  }
  if (bundled) {
    logger?.warn(
      `Using ${BUNDLED_FFMPEG_AGE} at ${tools.ffmpeg} (version ${version}) to decode media, because ` +
        `allow-bundled-ffmpeg is true or FFMPEG_PATH points at it. ${INSTALL_FFMPEG_HINT.split('. Only if')[0]}.`,
    )
  } else {
    const major = /^(\d+)\./.exec(version)?.[1]
    if (major !== undefined && Number(major) < OLDEST_MAINTAINED_MAJOR) {
      logger?.warn(
        `ffmpeg ${version} at ${tools.ffmpeg} is older than the maintained ${OLDEST_MAINTAINED_MAJOR}.x line: update it (it decodes downloaded media).`,
      )
    }
    logger?.info(`ffmpeg ${version} (${tools.source}: ${tools.ffmpeg})`)
  }
  return info
}

/**
 * The version `ffmpeg -version` prints on its first line (`ffmpeg version 5.1.9-0+deb12u1 …`).
 *
 * @throws KamuiError VID_001 when the binary does not run or prints no version
 */
export async function ffmpegVersion(ffmpeg: string): Promise<string> {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      ffmpeg,
      ['-hide_banner', '-version'],
      { timeout: 15_000, maxBuffer: 1024 * 1024, windowsHide: true },
      (error, out) => (error ? reject(error) : resolve(String(out))),
    )
  }).catch((error: unknown) => {
    throw new KamuiError(
      'VID_001',
      `${ffmpeg} does not run as ffmpeg (\`-version\` failed: ${error instanceof Error ? error.message : String(error)}). ${INSTALL_FFMPEG_HINT}`,
      { cause: error },
    )
  })
  const version = /^ffmpeg version (\S+)/m.exec(stdout)?.[1]
  if (!version) {
    throw new KamuiError(
      'VID_001',
      `${ffmpeg} printed no "ffmpeg version" line for \`-version\`: it is not a working ffmpeg. ${INSTALL_FFMPEG_HINT}`,
    )
  }
  return version
}

/** Whether the binary lives in an `@ffmpeg-installer` package folder (the bundled build). */
async function looksBundled(ffmpeg: string): Promise<boolean> {
  const real = await realpath(ffmpeg).catch(() => ffmpeg)
  return real.split(path.sep).includes('@ffmpeg-installer')
}

/** Options of {@link prepareFfmpeg}. */
export interface PrepareFfmpegOptions {
  /** The `allow-bundled-ffmpeg` switch. */
  allowBundled: boolean
  /** Whether the stage cannot work without ffmpeg (preview clips, concatenation). */
  required: boolean
  logger: Logger
}

/**
 * Finds and checks ffmpeg at a stage's start, before anything is generated: the tools and their
 * {@link FfmpegInfo}, or undefined (with a warning) when ffmpeg is optional for this run and
 * missing.
 *
 * @throws KamuiError VID_001 when ffmpeg is required and there is none that may be used (the
 *   message says how to install it), or when the binary found does not work
 */
export async function prepareFfmpeg(
  env: Record<string, string | undefined>,
  options: PrepareFfmpegOptions,
): Promise<{ tools: FfmpegTools; info: FfmpegInfo } | undefined> {
  let tools: FfmpegTools
  try {
    tools = await resolveFfmpeg(env, { allowBundled: options.allowBundled })
  } catch (error) {
    if (options.required || !(error instanceof KamuiError) || error.code !== 'VID_001') throw error
    options.logger.warn(`${error.message} Clips are stored without probing or conversion.`)
    return undefined
  }
  return { tools, info: await inspectFfmpeg(tools, options.logger) }
}

async function findFfprobe(
  env: Record<string, string | undefined>,
  ffmpeg: string,
  exe: string,
): Promise<string | undefined> {
  const explicit = env['FFPROBE_PATH']?.trim()
  if (explicit && (await isExecutableFile(path.resolve(explicit)))) return path.resolve(explicit)
  const sibling = path.join(path.dirname(ffmpeg), `ffprobe${exe}`)
  if (await isExecutableFile(sibling)) return sibling
  return findOnPath(`ffprobe${exe}`, env['PATH'])
}

/** The first executable file `name` in the directories of `pathVariable`, or undefined. */
export async function findOnPath(
  name: string,
  pathVariable: string | undefined,
): Promise<string | undefined> {
  for (const dir of (pathVariable ?? '').split(path.delimiter)) {
    if (dir.trim() === '' || !path.isAbsolute(dir)) continue
    const candidate = path.join(dir, name)
    if (await isExecutableFile(candidate)) return candidate
  }
  return undefined
}

/**
 * The binary path the npm package exports (`require('@ffmpeg-installer/ffmpeg').path`), or
 * undefined when the package (or its platform binary) is not installed. The name is a
 * parameter and the import carries `webpackIgnore`, so the bundler neither inlines the package
 * nor fails the build without it.
 */
async function fromNpmPackage(name: string): Promise<string | undefined> {
  let entry: string
  try {
    entry = createRequire(import.meta.url).resolve(name)
  } catch {
    return undefined
  }
  try {
    const loaded = (await import(/* webpackIgnore: true */ pathToFileURL(entry).href)) as {
      default?: { path?: unknown }
      path?: unknown
    }
    const binary = loaded.default?.path ?? loaded.path
    return typeof binary === 'string' && (await isExecutableFile(binary)) ? binary : undefined
  } catch {
    // The package throws when its platform binary is missing.
    return undefined
  }
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false
    await access(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}
