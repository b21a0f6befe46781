import { chmod, mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { createRequire } from 'node:module'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeRgbFrames } from '../../../src/media/video/encode.js'
import { FFMPEG_NPM_PACKAGE, resolveFfmpeg } from '../../../src/media/video/ffmpeg.js'
import { probeVideo } from '../../../src/media/video/probe.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { FIRST_PICTURE } from '../../integration/video/media-helpers.js'

describe('resolveFfmpeg: FFMPEG_PATH, then the PATH, then the npm package', () => {
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

  it('falls back to the binary of the npm package (no FFMPEG_PATH, nothing on the PATH)', async () => {
    const tools = await resolveFfmpeg({ PATH: path.join(dir, 'missing') })
    const expected = (createRequire(import.meta.url)(FFMPEG_NPM_PACKAGE) as { path: string }).path
    expect(tools).toEqual({ ffmpeg: expected, ffprobe: undefined, source: 'npm-package' })
  })

  it('fails with VID_001 saying how to provide ffmpeg when there is none', async () => {
    const error = await resolveFfmpeg(
      { PATH: '' },
      { npmPackage: '@kamui-test/no-such-ffmpeg' },
    ).catch((e: unknown) => e)
    expect(String(error)).toMatch(
      /VID_001: ffmpeg is not available: FFMPEG_PATH is not set, no executable "ffmpeg" is on the PATH/,
    )
    expect(String(error)).toMatch(/apt-get install -y ffmpeg.*FFMPEG_PATH/)
  })

  it('the npm package binary encodes H.264 / yuv420p, probed without ffprobe', async () => {
    const tools = await resolveFfmpeg({ PATH: '' })
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
