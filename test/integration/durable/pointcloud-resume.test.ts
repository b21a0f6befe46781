import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parsePointcloudInputs } from '../../../src/stages/pointcloud-generation/inputs.js'
import { runPointcloudGeneration } from '../../../src/stages/pointcloud-generation/run.js'
import { startFakeVideo, type FakeVideoHandle } from '../../fixtures/servers/fake-video/start.js'
import { testContext } from '../../helpers/stage-context.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { FIRST_PICTURE, writePng } from '../video/media-helpers.js'
import { journalLines, linesOf } from '../../helpers/kill-run.js'

describe('point cloud: the depth job under the run journal and the job cache (issue 11)', () => {
  let ws: string
  let fake: FakeVideoHandle
  beforeAll(async () => {
    ws = await tempWorkspace('kamui-durable-pc-')
    await writePng(path.join(ws, 'photo.png'), FIRST_PICTURE(90, 60))
    fake = await startFakeVideo()
  })
  afterAll(async () => {
    await fake?.stop()
    await removeDir(ws)
  })

  const run = (folder: string) =>
    runPointcloudGeneration(
      parsePointcloudInputs({
        'input-image-path': 'photo.png',
        'output-folder': folder,
        'mcp-config': fake.mcpConfig,
        'max-points': '500',
        'cache-folder': 'job-cache',
      }),
      testContext(ws),
    )
  const depthCalls = async () =>
    (await fake.calls()).filter((c) => c.tool === 'midas_v21_small').length

  it('a re-run reuses the journalled depth map, another folder gets it from the cache, with no model call', async () => {
    const first = await run('pc')
    expect(await depthCalls()).toBe(1)
    // The depth as used (16-bit steps at the image size); the files also carry provenance.
    const depth = first.depth.values
    expect(depth.length).toBe(90 * 60)
    const journal = await journalLines(path.join(ws, 'pc/metadata/journal.jsonl'))
    expect(linesOf(journal, 'output').map((l) => l.file)).toEqual(['depth_gray.png'])

    expect(first.jobs).toEqual({ reused: 0, resumed: 0, new: 1, resubmitted: 0 })
    const second = await run('pc')
    expect(await depthCalls()).toBe(1)
    expect(second.jobs).toEqual({ reused: 1, resumed: 0, new: 0, resubmitted: 0 })
    expect(second.depth.values).toEqual(depth)
    expect(second.cloud.count).toBe(first.cloud.count)
    const again = await journalLines(path.join(ws, 'pc/metadata/journal.jsonl'))
    expect(linesOf(again.slice(journal.length), 'reused')).toMatchObject([{ source: 'journal' }])

    const elsewhere = await run('pc-2')
    expect(await depthCalls()).toBe(1)
    expect(elsewhere.depth.values).toEqual(depth)
    const other = await journalLines(path.join(ws, 'pc-2/metadata/journal.jsonl'))
    expect(linesOf(other, 'reused')).toMatchObject([{ source: 'cache' }])
    expect(linesOf(other, 'submitted')).toEqual([])
  }, 120_000)
})
