import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { fakeKeyframesServer } from '../../fixtures/servers/fake-keyframes/start.js'
import { runKamui } from '../../helpers/run-kamui.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { productPhotos, storyboardFile } from '../keyframes/helpers.js'
import {
  expectReusedFromJournal,
  journalLines,
  linesOf,
  runAndKill,
} from '../../helpers/kill-run.js'

const JOURNAL = 'kf/metadata/journal.jsonl'
/** Renders of the four-segment storyboard: segment 1 first and last, the other last frames. */
const RENDERS = 5

async function setUp(): Promise<{ ws: string; args: (extra: string[]) => string[] }> {
  const ws = await tempWorkspace('kamui-durable-kf-')
  const photos = await productPhotos(ws)
  const storyboard = await storyboardFile(ws)
  const args = (extra: string[]): string[] => [
    'keyframes',
    '--storyboard-file',
    storyboard,
    '--product-images',
    photos.join(','),
    '--folder-name',
    'kf',
    '--max-parallel',
    '1',
    ...extra,
  ]
  return { ws, args }
}

async function sha(ws: string, file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path.join(ws, 'kf', file)))
    .digest('hex')
}

/** Killed once `made` frames are written and recorded in the journal. */
async function killAfterFrames(
  ws: string,
  args: string[],
  made: number,
  env?: Record<string, string>,
): Promise<void> {
  await runAndKill(args, {
    cwd: ws,
    ...(env ? { env } : {}),
    killWhen: async () =>
      linesOf(await journalLines(path.join(ws, JOURNAL)), 'output').length >= made,
  })
}

describe('resume: a keyframes run killed mid-way (issue 11)', () => {
  it('on the preview provider with the cache off: frames made before the kill are reused from the journal, not rendered again', async () => {
    const { ws, args } = await setUp()
    try {
      const run = args(['--cache-ttl-hours', '0'])
      // Each preview job waits 1 s first: the kill lands between renders.
      const env = { KAMUI_PREVIEW_LATENCY_MS: '1000' }
      await killAfterFrames(ws, run, 2, env)
      const killed = await journalLines(path.join(ws, JOURNAL))
      const made = linesOf(killed, 'output')
      expect(made.length).toBeGreaterThanOrEqual(2)
      expect(made.length).toBeLessThan(RENDERS)
      const madeKeys = new Set(made.map((l) => l.key))
      const madeSha = await Promise.all(made.map((l) => sha(ws, l.file)))

      const second = await runKamui(run, { cwd: ws, timeoutMs: 180_000, env })
      expect(second.code, second.stderr).toBe(0)
      expect(second.outputs['keyframes-completed']).toBe('true')
      const after = await journalLines(path.join(ws, JOURNAL))
      const rerun = after.slice(killed.length)
      // The renders of the frames already made were neither planned nor submitted again, and they were reused from the journal.
      expectReusedFromJournal(rerun, madeKeys)
      // Every rendered frame is a journal output now, and the frames kept their bytes.
      expect(new Set(linesOf(after, 'output').map((l) => l.key)).size).toBe(RENDERS)
      expect(await Promise.all(made.map((l) => sha(ws, l.file)))).toEqual(madeSha)
    } finally {
      await removeDir(ws)
    }
  }, 300_000)

  it('on a test MCP server: the re-run submits only the renders never finished, a third run calls nothing', async () => {
    const { ws, args } = await setUp()
    const fake = fakeKeyframesServer({ latencyMs: 1500 })
    try {
      // Provenance off: the step cache re-embeds it with the new run id, which changes a cached
      // frame's bytes and so the key of the frame rendered from it (reported in issue 11 notes).
      const run = args(['--mcp-config', fake.mcpConfig(), '--embed-provenance', 'false'])
      const renders = async () => (await fake.submits('seedream_4_submit')).length
      await killAfterFrames(ws, run, 2)
      const made = linesOf(await journalLines(path.join(ws, JOURNAL)), 'output')
      expect(made.length).toBeLessThan(RENDERS)
      const before = await renders()

      const second = await runKamui(run, { cwd: ws, timeoutMs: 180_000 })
      expect(second.code, second.stderr).toBe(0)
      expect(second.outputs['keyframes-completed']).toBe('true')
      // Counted at the server: the frames written before the kill were not rendered again.
      expect((await renders()) - before).toBe(RENDERS - made.length)
      const after = await journalLines(path.join(ws, JOURNAL))
      expect(new Set(linesOf(after, 'output').map((l) => l.key)).size).toBe(RENDERS)

      const calls = (await fake.calls()).length
      const third = await runKamui(run, { cwd: ws, timeoutMs: 180_000 })
      expect(third.code, third.stderr).toBe(0)
      expect(await fake.calls()).toHaveLength(calls)
    } finally {
      await removeDir(ws)
    }
  }, 300_000)
})
