import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeVideo, type FakeVideoHandle } from '../../fixtures/servers/fake-video/start.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { makeImage, writePng } from '../video/media-helpers.js'
import { kamuiOk, kamuiTogether, readJson } from './helpers.js'

const run = promisify(execFile)

/** sha256 of every decoded frame of a clip (rgb24), so that clips compare pixel by pixel. */
async function framesOf(file: string): Promise<string> {
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 },
  )
  return createHash('sha256').update(stdout).digest('hex')
}

/**
 * Issue 13, video: a four-segment run (keyframes.json) against the fake hosted video server
 * with a fixed latency (20 status calls one second apart), unsharded and as four shards (one
 * segment each) started at once, then merged; both with max-parallel 1.
 */
describe('sharding a four-segment video run by segment (issue 13)', () => {
  let server: FakeVideoHandle
  let workspace: string

  beforeAll(async () => {
    workspace = await tempWorkspace('kamui-shard-video-')
    await mkdir(path.join(workspace, 'kf'), { recursive: true })
    const tints: [number, number, number][] = [
      [200, 40, 40],
      [40, 200, 40],
      [40, 40, 200],
      [200, 200, 40],
      [40, 200, 200],
    ]
    for (let k = 0; k < 5; k++) {
      const tint = tints[k] as [number, number, number]
      await writePng(
        path.join(workspace, `kf/frame-${k}.png`),
        makeImage(64, 48, (x) => tint.map((c) => Math.min(255, c + x)) as [number, number, number]),
      )
    }
    const segments = [1, 2, 3, 4].map((i) => ({
      index: i,
      description: `segment ${i}`,
      duration: 1,
      status: 'complete',
      firstFrame: { path: `frame-${i - 1}.png`, url: null },
      lastFrame: { path: `frame-${i}.png`, url: null },
    }))
    await writeFile(
      path.join(workspace, 'kf/keyframes.json'),
      JSON.stringify({ schemaVersion: 1, segments }),
    )
    server = await startFakeVideo({ statusSteps: 20, clipSeconds: 1 })
  })
  afterAll(async () => {
    await server?.stop()
    await removeDir(workspace)
  })

  const stageArgs = (folder: string): string[] => [
    '--video-prompt',
    'a slow pan, sharding test',
    '--folder-name',
    folder,
    '--keyframes',
    'kf/keyframes.json',
    '--max-parallel',
    '1',
    '--poll-interval',
    '1',
    '--mcp-config',
    server.mcpConfig,
  ]

  it('merged clips equal the unsharded ones; 4 submits; the shards take ≤ 0.45 of its time', async () => {
    const submits = async (): Promise<number> =>
      (await server.calls()).filter((c) => c.tool.endsWith('_submit')).length
    const t0 = performance.now()
    await kamuiOk(['video-generation', ...stageArgs('out/whole')], workspace)
    const wholeMs = performance.now() - t0
    expect(await submits()).toBe(4)

    const plan = await kamuiOk(
      ['plan', '--stage', 'video-generation', '--shards', '4', ...stageArgs('out/sharded')],
      workspace,
    )
    const manifestFile = plan.outputs['shard-manifest'] ?? ''
    const manifest = await readJson<{ jobs: { number: number; shard: number; model: string }[] }>(
      path.join(workspace, manifestFile),
    )
    expect(manifest.jobs.map((j) => [j.number, j.shard, j.model])).toEqual([
      [1, 1, 'hailuo-02-pro'],
      [2, 2, 'hailuo-02-pro'],
      [3, 3, 'hailuo-02-pro'],
      [4, 4, 'hailuo-02-pro'],
    ])
    const shards = await kamuiTogether(
      [1, 2, 3, 4].map((k) => [
        'video-generation',
        ...stageArgs('out/sharded'),
        '--shard',
        `${k}/4`,
        '--shard-manifest',
        manifestFile,
      ]),
      workspace,
    )
    expect((await submits()) - 4).toBe(4)
    const merge = await kamuiOk(
      ['merge', '--shard-folders', 'out/sharded-shard-*-of-4', '--folder-name', 'out/sharded'],
      workspace,
    )
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
    console.log(
      `video: unsharded ${Math.round(wholeMs)} ms; four shards together ${Math.round(shards.wallMs)} ms ` +
        `(ratio ${(shards.wallMs / wholeMs).toFixed(3)})`,
    )
    expect(shards.wallMs).toBeLessThanOrEqual(0.45 * wholeMs)
  }, 400_000)
})
