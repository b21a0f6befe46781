import { createHash } from 'node:crypto'
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeVideo, type FakeVideoHandle } from '../../fixtures/servers/fake-video/start.js'
import { runKamui } from '../../helpers/run-kamui.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { makeImage, writePng } from '../video/media-helpers.js'
import {
  expectReusedFromJournal,
  journalLines,
  linesOf,
  runAndKill,
} from '../../helpers/kill-run.js'

const W = 64
const H = 48
const JOURNAL = 'run/metadata/journal.jsonl'
const CLIPS = [1, 2, 3, 4].map((n) => `run/videos/segment-${n}.mp4`)

/** A four-segment keyframes.json with tinted frames in `ws/run` (as keyframes-concat does). */
async function keyframesFile(ws: string): Promise<void> {
  await mkdir(path.join(ws, 'run/keyframes'), { recursive: true })
  const tint = (k: number) =>
    makeImage(W, H, (x) => [Math.min(255, 40 * k + x), 200 - 30 * k, 40 + 40 * k])
  for (let n = 1; n <= 4; n++) {
    await writePng(path.join(ws, `run/keyframes/segment-${n}-first.png`), tint(n - 1))
    await writePng(path.join(ws, `run/keyframes/segment-${n}-last.png`), tint(n))
  }
  const segments = [1, 2, 3, 4].map((index) => ({
    index,
    type: 'body',
    label: `Segment ${index}`,
    description: `segment ${index}`,
    duration: 0.5,
    status: 'complete',
    firstFrame: { kind: 'first', path: `keyframes/segment-${index}-first.png`, url: null },
    lastFrame: { kind: 'last', path: `keyframes/segment-${index}-last.png`, url: null },
  }))
  await writeFile(
    path.join(ws, 'run/keyframes.json'),
    JSON.stringify({ schemaVersion: 1, segments }, null, 2),
  )
}

const args = (extra: string[]): string[] => [
  'video-generation',
  '--allow-bundled-ffmpeg',
  'true',
  '--video-prompt',
  'durable clips',
  '--folder-name',
  'run',
  '--keyframes',
  'run/keyframes.json',
  '--fps',
  '8',
  '--max-parallel',
  '2',
  ...extra,
]

async function sha(ws: string, file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path.join(ws, file)))
    .digest('hex')
}

async function videoReport(ws: string): Promise<{
  summary: { clips_made: number; jobs?: Record<string, number> }
}> {
  return JSON.parse(await readFile(path.join(ws, 'run/metadata/video-report.json'), 'utf8'))
}

describe('resume: a video run of four clips killed mid-way (issue 11)', () => {
  let server: FakeVideoHandle
  beforeAll(async () => {
    // 60 status calls at 50 ms before a job completes: about 3 s per clip.
    server = await startFakeVideo({ statusSteps: 60, clipSeconds: 0.5 })
  })
  afterAll(async () => server?.stop())

  it('on a test MCP server: the re-run follows the two submitted clips, makes no new submit, and a third run calls nothing', async () => {
    const ws = await tempWorkspace('kamui-durable-video-')
    try {
      await keyframesFile(ws)
      const run = args(['--mcp-config', server.mcpConfig, '--poll-interval', '0.05'])
      const submits = async () =>
        (await server.calls()).filter((c) => c.tool === 'hailuo_02_submit').length
      // Killed once two clips are stored and the other two are submitted (journalled).
      await runAndKill(run, {
        cwd: ws,
        killWhen: async () => {
          const lines = await journalLines(path.join(ws, JOURNAL))
          return linesOf(lines, 'output').length >= 2 && linesOf(lines, 'submitted').length >= 4
        },
      })
      expect(await submits()).toBe(4)
      const killed = await journalLines(path.join(ws, JOURNAL))
      const made = linesOf(killed, 'output')
      expect(made).toHaveLength(2)
      const madeSha = await Promise.all(made.map((l) => sha(ws, `run/${l.file}`)))

      const second = await runKamui(run, { cwd: ws, timeoutMs: 120_000 })
      expect(second.code, second.stderr).toBe(0)
      expect(JSON.parse(second.outputs['video-paths'] ?? '')).toEqual(CLIPS)
      // Exactly four submits in total: the two clips in flight were followed by request id.
      expect(await submits()).toBe(4)
      expect((await videoReport(ws)).summary.jobs).toEqual({
        reused: 2,
        resumed: 2,
        new: 0,
        resubmitted: 0,
      })
      // The clips made before the kill were not made again (same bytes, journal reuse).
      expect(await Promise.all(made.map((l) => sha(ws, `run/${l.file}`)))).toEqual(madeSha)

      const callsBefore = (await server.calls()).length
      const third = await runKamui(run, { cwd: ws, timeoutMs: 120_000 })
      expect(third.code, third.stderr).toBe(0)
      expect(await server.calls()).toHaveLength(callsBefore)
      expect((await videoReport(ws)).summary.jobs).toEqual({
        reused: 4,
        resumed: 0,
        new: 0,
        resubmitted: 0,
      })
    } finally {
      await removeDir(ws)
    }
  }, 300_000)

  it('on the preview provider, with the journal cut inside a line: the re-run warns, reads the whole lines and makes only the missing clips', async () => {
    const ws = await tempWorkspace('kamui-durable-video-preview-')
    try {
      await keyframesFile(ws)
      const run = args([])
      // Each preview job waits 1.5 s before it renders: the kill lands between clips.
      const env = { KAMUI_PREVIEW_LATENCY_MS: '1500' }
      await runAndKill(run, {
        cwd: ws,
        env,
        killWhen: async () =>
          linesOf(await journalLines(path.join(ws, JOURNAL)), 'output').length >= 2,
      })
      const killed = await journalLines(path.join(ws, JOURNAL))
      const made = linesOf(killed, 'output')
      expect(made.length).toBeGreaterThanOrEqual(2)
      expect(made.length).toBeLessThan(4)
      const madeKeys = new Set(made.map((l) => l.key))
      const madeSha = await Promise.all(made.map((l) => sha(ws, `run/${l.file}`)))
      // A crash while writing: the last line ends inside its JSON.
      await appendFile(path.join(ws, JOURNAL), '{"v":1,"event":"submitted","key":"ab')

      const second = await runKamui(run, { cwd: ws, timeoutMs: 120_000, env })
      expect(second.code, second.stderr).toBe(0)
      expect(second.stdout + second.stderr).toMatch(/journal\.jsonl: the last line was cut short/)
      expect(JSON.parse(second.outputs['video-paths'] ?? '')).toEqual(CLIPS)
      const after = await journalLines(path.join(ws, JOURNAL))
      const rerun = after.slice(killed.length)
      // Nothing of the clips already made was planned or submitted again, and they were reused from the journal.
      expectReusedFromJournal(rerun, madeKeys)
      expect(
        linesOf(after, 'output')
          .map((l) => l.file)
          .sort(),
      ).toEqual(CLIPS.map((c) => c.slice(4)))
      expect(await Promise.all(made.map((l) => sha(ws, `run/${l.file}`)))).toEqual(madeSha)
      expect((await videoReport(ws)).summary.jobs?.['reused']).toBe(made.length)
      // The journal is whole again: verify-telemetry finds no cut line.
      const verify = await runKamui(['verify-telemetry', 'run'], { cwd: ws })
      expect(verify.code, verify.stdout + verify.stderr).toBe(0)
    } finally {
      await removeDir(ws)
    }
  }, 300_000)
})
