import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { planFromKeyframes } from '../../../src/stages/video-generation/keyframes.js'
import { videoFirst } from '../../../src/providers/video/mcp-provider.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'

describe('planFromKeyframes', () => {
  let ws: string
  beforeAll(async () => {
    ws = await tempWorkspace('kamui-kf-plan-')
    await mkdir(path.join(ws, 'run/keyframes'), { recursive: true })
  })
  afterAll(async () => removeDir(ws))

  const write = async (data: unknown): Promise<string> => {
    const file = path.join(ws, 'run/keyframes.json')
    await writeFile(file, JSON.stringify(data))
    return file
  }

  it('plans one clip per segment: frames relative to the file, URLs first, durations and descriptions', async () => {
    const file = await write({
      schemaVersion: 1,
      extra: 'ignored',
      segments: [
        {
          index: 1,
          description: 'the hook',
          duration: 4,
          firstFrame: { path: 'keyframes/segment-1-first.png', url: 'https://cdn.example/1.png' },
          lastFrame: { path: 'keyframes/segment-1-last.png', url: null },
        },
        {
          index: 2,
          firstFrame: 'keyframes/segment-1-last.png',
          lastFrame: { path: 'keyframes/segment-2-last.png' },
        },
      ],
    })
    const plans = await planFromKeyframes(file, ws, 'base prompt', 6)
    expect(plans).toEqual([
      {
        segment: 1,
        prompt: 'base prompt\n\nthe hook',
        durationS: 4,
        first: [
          {
            kind: 'url',
            value: 'https://cdn.example/1.png',
            origin: 'keyframes segment 1 firstFrame.url',
          },
          {
            kind: 'path',
            value: path.join(ws, 'run/keyframes/segment-1-first.png'),
            origin: 'keyframes segment 1 firstFrame.path',
          },
        ],
        last: [
          {
            kind: 'path',
            value: path.join(ws, 'run/keyframes/segment-1-last.png'),
            origin: 'keyframes segment 1 lastFrame.path',
          },
        ],
        alternatives: true,
      },
      expect.objectContaining({ segment: 2, prompt: 'base prompt', durationS: 6 }),
    ])
  })

  it('refuses files that do not match, frames outside the workspace, and missing frames', async () => {
    await expect(planFromKeyframes(await write({ segments: [] }), ws, 'p', 6)).rejects.toThrow(
      /KF_002: .*segments/,
    )
    await expect(
      planFromKeyframes(
        await write({
          segments: [{ index: 1, firstFrame: '../../../etc/passwd', lastFrame: 'a.png' }],
        }),
        ws,
        'p',
        6,
      ),
    ).rejects.toThrow(/FS_001: keyframes segment 1 firstFrame .* outside the workspace/)
    await expect(
      planFromKeyframes(
        await write({
          segments: [{ index: 1, firstFrame: { path: null, url: null }, lastFrame: 'a.png' }],
        }),
        ws,
        'p',
        6,
      ),
    ).rejects.toThrow(/VID_003: keyframes segment 1 firstFrame has neither a path nor a URL/)
    await expect(
      planFromKeyframes(
        await write({
          segments: [
            { index: 1, firstFrame: 'a.png', lastFrame: 'b.png' },
            { index: 1, firstFrame: 'a.png', lastFrame: 'b.png' },
          ],
        }),
        ws,
        'p',
        6,
      ),
    ).rejects.toThrow(/VID_003: keyframes: segment index 1 appears twice/)
  })

  it('names a missing file and one that is not JSON (KF_002)', async () => {
    const missing = path.join(ws, 'run/none.json')
    await expect(planFromKeyframes(missing, ws, 'p', 6)).rejects.toThrow(
      /KF_002: keyframes file .*none\.json does not exist\./,
    )
    const file = path.join(ws, 'run/broken.json')
    await writeFile(file, '{"segments": [')
    await expect(planFromKeyframes(file, ws, 'p', 6)).rejects.toThrow(
      /KF_002: keyframes file .*broken\.json cannot be read as JSON \(.+\)\./,
    )
  })
})

describe('videoFirst', () => {
  it('puts video items before thumbnails', () => {
    const thumb = { source: 'json' as const, url: 'https://cdn/x.jpg' }
    const clip = { source: 'json' as const, url: 'https://cdn/x.mp4?sig=1' }
    const typed = { source: 'json' as const, url: 'https://cdn/y', mimeType: 'video/mp4' }
    expect(videoFirst([thumb, clip, typed])).toEqual([clip, typed, thumb])
  })
})
