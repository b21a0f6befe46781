import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runKamui, type KamuiRun } from '../../helpers/run-kamui.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'

/** Issue 16 §2: what the command line prints about progress when stderr is not a terminal. */
describe('kamui progress lines without a terminal', () => {
  let workspace: string
  let run: KamuiRun
  let wallMs: number
  const args = [
    'image-generation-v2',
    ...['--image-prompt', 'a lighthouse', '--image-count', '4', '--image-size', '64x64'],
    ...['--max-parallel', '1', '--generation-strategy', 'sequential', '--quality-scorer', 'none'],
  ]

  beforeAll(async () => {
    workspace = await tempWorkspace('kamui-progress-')
    const started = Date.now()
    run = await runKamui([...args, '--folder-name', 'out/a'], {
      cwd: workspace,
      env: { KAMUI_PROGRESS_INTERVAL_MS: '1000' },
      timeoutMs: 120_000,
    })
    wallMs = Date.now() - started
  }, 130_000)
  afterAll(async () => {
    await removeDir(workspace)
  })

  it('prints plain lines: the plan, progress at a bounded rate, a closing summary', () => {
    expect(run.code, run.stderr).toBe(0)
    const lines = run.stderr.split('\n')
    // No terminal control characters when stderr is a pipe.
    expect(run.stderr).not.toContain('\r')
    expect(run.stderr).not.toContain('\u001b')
    expect(lines).toContain('images: 4 planned')
    const progress = lines.filter((l) => /^images [0-4]\/4( · |$)/.test(l))
    // The first image takes longer than the interval (the preview server starts): a line.
    expect(progress.length).toBeGreaterThanOrEqual(1)
    // At most one line per second (the interval), over the whole run.
    expect(progress.length).toBeLessThanOrEqual(Math.ceil(wallMs / 1000) + 1)
    for (const line of progress)
      expect(line).toMatch(/^images [0-4]\/4( · \d+ running)?( · ~\d+ (s|min) left)?( · .+)?$/)
    const closing = lines.filter((l) => l.startsWith('images: 4 made'))
    expect(closing).toEqual([
      expect.stringMatching(
        /^images: 4 made, 0 failed, 0 reused in \d+(\.\d)? s · cost \$0\.00 · 4 PREVIEW$/,
      ),
    ])
    // The closing line comes after the last image line and before the publishing line.
    const last = lines.findLastIndex((l) => /^image \d \(/.test(l))
    expect(lines.indexOf(closing[0] as string)).toBeGreaterThan(last)
    // The outputs on stdout are untouched.
    expect(run.outputs['images-completed']).toBe('4')
  })

  it('says how many were reused on a re-run, and --quiet prints none of it', async () => {
    const again = await runKamui([...args, '--folder-name', 'out/a'], {
      cwd: workspace,
      timeoutMs: 120_000,
    })
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr).toMatch(
      /^images: 0 made, 0 failed, 4 reused in \d+(\.\d)? s · cost \$0\.00 · 4 PREVIEW$/m,
    )
    const quiet = await runKamui([...args, '--folder-name', 'out/b', '--quiet'], {
      cwd: workspace,
      timeoutMs: 120_000,
    })
    expect(quiet.code, quiet.stderr).toBe(0)
    expect(quiet.stderr).not.toMatch(/^images/m)
  }, 240_000)
})
