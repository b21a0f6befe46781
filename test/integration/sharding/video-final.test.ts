import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { provenanceFromTags, readMp4Tags } from '../../../src/media/provenance/mp4.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { makeImage, writePng } from '../video/media-helpers.js'
import { kamuiOk, kamuiTogether, readJson } from './helpers.js'

/**
 * Issue 13: a video shard leaves the joining to the merge, which joins every clip into
 * final/final-music-video.mp4 as the unsharded run would, with the provenance tags of the
 * video stage (issue 16), or none with embed-provenance false. Preview provider, two segments.
 */
describe('merging video shards with concatenate (issue 13)', () => {
  let workspace: string
  beforeAll(async () => {
    workspace = await tempWorkspace('kamui-shard-final-')
    await mkdir(path.join(workspace, 'kf'), { recursive: true })
    for (let k = 0; k < 3; k++)
      await writePng(
        path.join(workspace, `kf/frame-${k}.png`),
        makeImage(64, 48, (x) => [60 * k, 120, Math.min(255, x * 3)]),
      )
    const segments = [1, 2].map((i) => ({
      index: i,
      duration: 1,
      status: 'complete',
      firstFrame: { path: `frame-${i - 1}.png`, url: null },
      lastFrame: { path: `frame-${i}.png`, url: null },
    }))
    await writeFile(path.join(workspace, 'kf/keyframes.json'), JSON.stringify({ segments }))
  })
  afterAll(async () => removeDir(workspace))

  it('joins the clips of both shards with provenance tags, and without them when asked', async () => {
    const args = [
      '--video-prompt',
      'a slow pan, final test',
      '--folder-name',
      'out/v',
      '--keyframes',
      'kf/keyframes.json',
      '--fps',
      '8',
      '--concatenate',
      'true',
    ]
    const plan = await kamuiOk(
      ['plan', '--stage', 'video-generation', '--shards', '2', ...args],
      workspace,
    )
    const manifest = plan.outputs['shard-manifest'] ?? ''
    const { runs } = await kamuiTogether(
      [1, 2].map((k) => [
        'video-generation',
        ...args,
        '--shard',
        `${k}/2`,
        '--shard-manifest',
        manifest,
      ]),
      workspace,
    )
    // A shard joins nothing.
    for (const run of runs) expect(run.outputs['final-video-path']).toBe('')
    const merged = await kamuiOk(['merge', '--shard-folders', 'out/v-shard-*'], workspace)
    expect(merged.outputs['final-video-path']).toBe('out/v/final/final-music-video.mp4')
    const report = await readJson<{ final: { clips: string[] } | null }>(
      path.join(workspace, 'out/v/metadata/video-report.json'),
    )
    expect(report.final?.clips).toEqual(['videos/segment-1.mp4', 'videos/segment-2.mp4'])
    const provenance = provenanceFromTags(
      await readMp4Tags(path.join(workspace, 'out/v/final/final-music-video.mp4')),
    )
    expect(provenance?.digital_source_type).toBe('algorithmicMedia')
    expect(provenance?.prompt).toBe('a slow pan, final test')

    await kamuiOk(
      [
        'merge',
        '--shard-folders',
        'out/v-shard-*',
        '--folder-name',
        'out/untagged',
        '--embed-provenance',
        'false',
      ],
      workspace,
    )
    expect(
      provenanceFromTags(
        await readMp4Tags(path.join(workspace, 'out/untagged/final/final-music-video.mp4')),
      ),
    ).toBeNull()
  }, 240_000)
})
