import { constants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { KamuiError } from '../../core/errors.js'

/**
 * Finding the `ffmpeg` (and, where there is one, `ffprobe`) executable. The stages receive the
 * environment through their `StageContext`; nothing here reads `process.env`.
 */

/** The npm package that ships a static ffmpeg inside its tarball (an optional dependency). */
export const FFMPEG_NPM_PACKAGE = '@ffmpeg-installer/ffmpeg'

/** Where the ffmpeg in use came from. */
export type FfmpegSource = 'FFMPEG_PATH' | 'PATH' | 'npm-package'

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
  /** The npm package tried last (default {@link FFMPEG_NPM_PACKAGE}; tests name an absent one). */
  npmPackage?: string
}

/**
 * Finds ffmpeg, in this order:
 *
 * 1. `env.FFMPEG_PATH`: when set it must name an executable file (a wrong value is an error,
 *    not silently skipped);
 * 2. the first executable `ffmpeg` in the directories of `env.PATH`;
 * 3. the binary of the npm package `@ffmpeg-installer/ffmpeg` (an optional dependency of this
 *    suite), loaded with a dynamic import the bundler leaves alone and resolved from this
 *    module's location.
 *
 * `ffprobe` comes from `env.FFPROBE_PATH`, else the folder of the ffmpeg found, else `env.PATH`.
 *
 * @param env the stage's environment (`StageContext.env`)
 * @throws KamuiError VID_001 naming what was tried and how to provide ffmpeg
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
  if (!ffmpeg) {
    ffmpeg = await fromNpmPackage(npmPackage)
    if (ffmpeg) source = 'npm-package'
  }
  if (!ffmpeg || !source) {
    throw new KamuiError(
      'VID_001',
      `ffmpeg is not available: FFMPEG_PATH is not set, no executable "ffmpeg" is on the PATH, and the ` +
        `npm package ${npmPackage} (an optional dependency) is not installed. Install ffmpeg ` +
        '(for example `sudo apt-get install -y ffmpeg` on Ubuntu runners) or set FFMPEG_PATH to its binary.',
    )
  }
  return { ffmpeg, ffprobe: await findFfprobe(env, ffmpeg, exe), source }
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
