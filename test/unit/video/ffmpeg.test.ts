import { chmod, mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { createRequire } from 'node:module'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeRgbFrames } from '../../../src/media/video/encode.js'
import {
  BUNDLED_FFMPEG_ENV,
  FFMPEG_NPM_PACKAGE,
  inspectFfmpeg,
  resolveFfmpeg,
} from '../../../src/media/video/ffmpeg.js'
import { MemoryLogger } from '../../../src/core/logger.js'
import { probeVideo } from '../../../src/media/video/probe.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { FIRST_PICTURE } from '../../integration/video/media-helpers.js'

describe('resolveFfmpeg: FFMPEG_PATH, then the PATH, then (only when allowed) the bundled build', () => {
  let dir: string
  let fakeBin: string
  beforeAll(async () => {
    dir = await tempWorkspace('kamui-ffmpeg-')
    fakeBin = path.join(dir, 'bin')
    await mkdir(fakeBin)
    for (const name of ['ffmpeg', 'ffprobe']) {
      await writeFile(path.join(fakeBin, name), '#!/bin/sh\nexit 0\n')
      await chmod(path.join(fakeBin, name), 0o755)
    }
    await writeFile(path.join(dir, 'not-executable'), 'x')
  })
  afterAll(async () => removeDir(dir))

  it('uses FFMPEG_PATH first, with the ffprobe next to it', async () => {
    const tools = await resolveFfmpeg({
      FFMPEG_PATH: path.join(fakeBin, 'ffmpeg'),
      PATH: '/usr/bin',
    })
    expect(tools).toEqual({
      ffmpeg: path.join(fakeBin, 'ffmpeg'),
      ffprobe: path.join(fakeBin, 'ffprobe'),
      source: 'FFMPEG_PATH',
    })
  })

  it('refuses a FFMPEG_PATH that is not an executable file (VID_001), rather than skipping it', async () => {
    await expect(resolveFfmpeg({ FFMPEG_PATH: path.join(dir, 'not-executable') })).rejects.toThrow(
      /VID_001: FFMPEG_PATH is set to ".*not-executable", which is not an executable file/,
    )
  })

  it('searches the PATH in order', async () => {
    const tools = await resolveFfmpeg({
      PATH: [path.join(dir, 'missing'), fakeBin, '/usr/bin'].join(path.delimiter),
    })
    expect(tools.source).toBe('PATH')
    expect(tools.ffmpeg).toBe(path.join(fakeBin, 'ffmpeg'))
  })

  it('falls back to the binary of the npm package only with allowBundled (no FFMPEG_PATH, nothing on the PATH)', async () => {
    const tools = await resolveFfmpeg({ PATH: path.join(dir, 'missing') }, { allowBundled: true })
    const expected = (createRequire(import.meta.url)(FFMPEG_NPM_PACKAGE) as { path: string }).path
    expect(tools).toEqual({ ffmpeg: expected, ffprobe: undefined, source: 'npm-package' })
  })

  it('never uses the bundled build without allowBundled: VID_001 says how to install ffmpeg', async () => {
    const error = await resolveFfmpeg({ PATH: path.join(dir, 'missing') }).catch((e: unknown) => e)
    expect(String(error)).toMatch(
      /VID_001: ffmpeg is not available: FFMPEG_PATH is not set and no executable "ffmpeg" is on the PATH/,
    )
    expect(String(error)).toMatch(/apt-get install -y ffmpeg/)
    expect(String(error)).toMatch(/GitHub-hosted Ubuntu runners ship one/)
    expect(String(error)).toMatch(/allow-bundled-ffmpeg: true/)
  })

  it('uses the bundled binary the action installed (KAMUI_BUNDLED_FFMPEG) only with allowBundled', async () => {
    const installed = path.join(fakeBin, 'ffmpeg')
    const env = { PATH: path.join(dir, 'missing'), [BUNDLED_FFMPEG_ENV]: installed }
    await expect(resolveFfmpeg(env)).rejects.toThrow(/VID_001/)
    const tools = await resolveFfmpeg(env, { allowBundled: true })
    expect(tools).toMatchObject({ ffmpeg: installed, source: 'tool-cache' })
  })

  it('fails with VID_001 saying how to provide ffmpeg when there is none', async () => {
    const error = await resolveFfmpeg(
      { PATH: '' },
      { npmPackage: '@kamui-test/no-such-ffmpeg', allowBundled: true },
    ).catch((e: unknown) => e)
    expect(String(error)).toMatch(
      /VID_001: ffmpeg is not available: FFMPEG_PATH is not set, no executable "ffmpeg" is on the PATH/,
    )
    expect(String(error)).toMatch(/apt-get install -y ffmpeg.*FFMPEG_PATH/)
  })

  it('reads the version at start-up and refuses a binary that is not ffmpeg (VID_001)', async () => {
    const fake = {
      ffmpeg: path.join(fakeBin, 'ffmpeg'),
      ffprobe: undefined,
      source: 'PATH' as const,
    }
    await expect(inspectFfmpeg(fake)).rejects.toThrow(/VID_001: .*printed no "ffmpeg version" line/)
    const versioned = path.join(dir, 'versioned')
    await mkdir(versioned, { recursive: true })
    await writeFile(
      path.join(versioned, 'ffmpeg'),
      '#!/bin/sh\necho "ffmpeg version 4.4.2-0ubuntu0.22.04.1 Copyright (c) 2000-2021 the FFmpeg developers"\n',
    )
    await chmod(path.join(versioned, 'ffmpeg'), 0o755)
    const logger = new MemoryLogger()
    const info = await inspectFfmpeg(
      { ffmpeg: path.join(versioned, 'ffmpeg'), ffprobe: undefined, source: 'PATH' },
      logger,
    )
    expect(info).toEqual({
      path: path.join(versioned, 'ffmpeg'),
      version: '4.4.2-0ubuntu0.22.04.1',
      source: 'system',
      found_via: 'PATH',
      ffprobe: null,
    })
    expect(logger.lines.map((l) => l.message).join('\n')).toMatch(
      /older than the maintained 5\.x line/,
    )
  })

  it('records the bundled build as bundled and warns naming its age', async () => {
    const tools = await resolveFfmpeg({ PATH: '' }, { allowBundled: true })
    const logger = new MemoryLogger()
    const info = await inspectFfmpeg(tools, logger)
    expect(info.source).toBe('bundled')
    expect(info.version).toBe('N-47683-g0e8eb07980-static')
    const warnings = logger.lines.filter((l) => l.level === 'warn').map((l) => l.message)
    expect(warnings.join('\n')).toMatch(/FFmpeg 4\.1, built 2018-12-10/)
  })

  it('the npm package binary encodes H.264 / yuv420p, probed without ffprobe', async () => {
    const tools = await resolveFfmpeg({ PATH: '' }, { allowBundled: true })
    const file = path.join(dir, 'npm.mp4')
    const picture = FIRST_PICTURE(32, 16)
    await encodeRgbFrames(tools, [picture, picture, picture, picture, picture, picture], file, {
      width: 32,
      height: 16,
      fps: 6,
    })
    const probe = await probeVideo(tools, file)
    expect(probe).toMatchObject({
      via: 'ffmpeg',
      codec: 'h264',
      pixelFormat: 'yuv420p',
      width: 32,
      height: 16,
      fps: 6,
      frames: 6,
      durationS: 1,
    })
  })
})
