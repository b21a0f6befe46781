import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeVideo, type FakeVideoHandle } from '../../fixtures/servers/fake-video/start.js'
import { testFfmpeg } from '../../helpers/tools.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import {
  fourSegmentArgs,
  kamuiOk,
  readJson,
  runShardedScenario,
  writeFourSegmentKeyframes,
} from './helpers.js'

const run = promisify(execFile)

/** sha256 of every decoded frame of a clip (rgb24), so that clips compare pixel by pixel. */
async function framesOf(file: string): Promise<string> {
  const { stdout } = await run(
    testFfmpeg().path,
    ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 },
  )
  return createHash('sha256').update(stdout).digest('hex')
}

/**
 * Issue 13, video: a four-segment run (keyframes.json) against the fake hosted video server
 * with a fixed latency (status calls one second apart), unsharded and as four shards (one
 * segment each) started at once, then merged; both with max-parallel 1. The wall-time ratio
 * (≤ 0.45) is measured by `npm run bench` (bench/sharding.ts) at a longer latency.
 */
describe('sharding a four-segment video run by segment (issue 13)', () => {
  let server: FakeVideoHandle
  let workspace: string

  beforeAll(async () => {
    workspace = await tempWorkspace('kamui-shard-video-')
    await writeFourSegmentKeyframes(workspace)
    server = await startFakeVideo({ statusSteps: 2, clipSeconds: 1 })
  })
  afterAll(async () => {
    await server?.stop()
    await removeDir(workspace)
  })

  it('merged clips equal the unsharded ones; 4 submits each', async () => {
    const submits = async (): Promise<number> =>
      (await server.calls()).filter((c) => c.tool.endsWith('_submit')).length
    const { plan, merge } = await runShardedScenario(
      'video-generation',
      4,
      (folder) => fourSegmentArgs(server.mcpConfig, folder),
      workspace,
    )
    expect(await submits()).toBe(8)
    const manifest = await readJson<{ jobs: { number: number; shard: number; model: string }[] }>(
      path.join(workspace, plan.outputs['shard-manifest'] ?? ''),
    )
    expect(manifest.jobs.map((j) => [j.number, j.shard, j.model])).toEqual([
      [1, 1, 'hailuo-02-pro'],
      [2, 2, 'hailuo-02-pro'],
      [3, 3, 'hailuo-02-pro'],
      [4, 4, 'hailuo-02-pro'],
    ])
    expect(JSON.parse(merge.outputs['video-paths'] ?? '')).toEqual(
      [1, 2, 3, 4].map((n) => `out/sharded/videos/segment-${n}.mp4`),
    )
    for (let n = 1; n <= 4; n++) {
      const file = `videos/segment-${n}.mp4`
      expect(await framesOf(path.join(workspace, 'out/sharded', file)), file).toBe(
        await framesOf(path.join(workspace, 'out/whole', file)),
      )
    }
    const report = await readJson<{ clips: { segment: number; model: string }[] }>(
      path.join(workspace, 'out/sharded/metadata/video-report.json'),
    )
    expect(report.clips.map((c) => [c.segment, c.model])).toEqual(
      [1, 2, 3, 4].map((n) => [n, 'hailuo-02-pro']),
    )
    const verify = await kamuiOk(['verify-telemetry', 'out/sharded'], workspace)
    expect(verify.stdout).toContain('ok:')
  }, 180_000)
})
