import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseVideoInputs } from '../../../src/stages/video-generation/inputs.js'
import { runVideoGeneration } from '../../../src/stages/video-generation/run.js'
import { runPipeline } from '../../../src/stages/pipeline/run.js'
import { verifyTelemetry } from '../../../src/output/telemetry/verify.js'
import { startFakeVideo, type FakeVideoHandle } from '../../fixtures/servers/fake-video/start.js'
import { logText, testContext } from '../../helpers/stage-context.js'
import { systemTool, testFfmpeg } from '../../helpers/tools.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { FIRST_PICTURE, writePng } from './media-helpers.js'

const run = promisify(execFile)

/**
 * Issue 14 §5: the video stage and the pipeline use the system's ffmpeg; the 2018 build of the
 * @ffmpeg-installer npm package only with `allow-bundled-ffmpeg: true` (and a warning naming its
 * age); without either they stop before generating anything, saying how to install ffmpeg. The
 * ffmpeg used is recorded in the telemetry. "No system ffmpeg" is a PATH holding no ffmpeg.
 */
describe('which ffmpeg the video stage may use', () => {
  let ws: string
  let noFfmpeg: string
  let fake: FakeVideoHandle
  beforeAll(async () => {
    ws = await tempWorkspace('kamui-ffmpeg-policy-')
    noFfmpeg = path.join(ws, 'bin-without-ffmpeg')
    await mkdir(noFfmpeg)
    await writePng(path.join(ws, 'first.png'), FIRST_PICTURE(64, 48))
    fake = await startFakeVideo({ statusSteps: 1, staticDir: ws, clipSeconds: 1 })
  })
  afterAll(async () => {
    await fake.stop()
    await removeDir(ws)
  })

  const inputs = (extra: Record<string, string>): ReturnType<typeof parseVideoInputs> =>
    parseVideoInputs({
      'video-prompt': 'a slow pan',
      'poll-interval': '0.05',
      'input-image-path': 'first.png',
      duration: '1',
      fps: '8',
      ...extra,
    })

  it('without a system ffmpeg and without the switch, stops before the model is called, saying how to install ffmpeg', async () => {
    const before = (await fake.calls()).length
    const error = await runVideoGeneration(
      inputs({ 'folder-name': 'hosted', 'mcp-config': fake.mcpConfig, concatenate: 'true' }),
      testContext(ws, { env: { PATH: noFfmpeg } }),
    ).catch((e: unknown) => e)
    expect(String(error)).toMatch(/^KamuiError: VID_001: ffmpeg is not available/)
    expect(String(error)).toMatch(/sudo apt-get install -y ffmpeg/)
    expect(String(error)).toMatch(/GitHub-hosted Ubuntu runners ship one/)
    expect(String(error)).toMatch(/allow-bundled-ffmpeg: true/)
    expect((await fake.calls()).length - before).toBe(0)
    expect(existsSync(path.join(ws, 'hosted/videos'))).toBe(false)
  })

  it('without the switch, a preview clip is not made either (nothing written)', async () => {
    const error = await runVideoGeneration(
      inputs({ 'folder-name': 'preview-refused', model: 'preview' }),
      testContext(ws, { env: { PATH: noFfmpeg } }),
    ).catch((e: unknown) => e)
    expect(String(error)).toMatch(/VID_001: .*apt-get install -y ffmpeg/)
    expect(existsSync(path.join(ws, 'preview-refused'))).toBe(false)
  })

  it('with the switch, runs the bundled build, warns naming its age and records it in the telemetry', async () => {
    const context = testContext(ws, { env: { PATH: noFfmpeg } })
    const result = await runVideoGeneration(
      inputs({ 'folder-name': 'bundled', model: 'preview', 'allow-bundled-ffmpeg': 'true' }),
      context,
    )
    expect(result.clips).toHaveLength(1)
    const warnings = context.logger.lines.filter((l) => l.level === 'warn').map((l) => l.message)
    expect(warnings.join('\n')).toMatch(/FFmpeg 4\.1, built 2018-12-10, no security fixes since/)
    const telemetry = JSON.parse(
      await readFile(path.join(ws, 'bundled/metadata/artifact-metadata.json'), 'utf8'),
    ) as { ffmpeg: { path: string; version: string; source: string } }
    expect(telemetry.ffmpeg).toMatchObject({
      source: 'bundled',
      version: 'N-47683-g0e8eb07980-static',
    })
    expect(telemetry.ffmpeg.path).toMatch(/@ffmpeg-installer/)
    const report = JSON.parse(
      await readFile(path.join(ws, 'bundled/metadata/video-report.json'), 'utf8'),
    ) as { ffmpeg: { source: string; found_via: string } }
    expect(report.ffmpeg).toMatchObject({ source: 'bundled', found_via: 'npm-package' })
    expect((await verifyTelemetry(path.join(ws, 'bundled'))).problems).toEqual([])
  })

  it('prefers the system ffmpeg on the PATH (even with the switch) and records its version', async () => {
    // This machine's ffmpeg when it has one; else a PATH entry `ffmpeg` that runs the test
    // ffmpeg, standing in for a distribution's binary (the stage cannot tell them apart).
    let bin = path.dirname(systemTool('ffmpeg') ?? '')
    if (!systemTool('ffmpeg')) {
      bin = path.join(ws, 'bin-with-ffmpeg')
      await mkdir(bin, { recursive: true })
      await writeFile(path.join(bin, 'ffmpeg'), `#!/bin/sh\nexec '${testFfmpeg().path}' "$@"\n`)
      await chmod(path.join(bin, 'ffmpeg'), 0o755)
    }
    const { stdout } = await run(path.join(bin, 'ffmpeg'), ['-version'])
    const version = /^ffmpeg version (\S+)/.exec(stdout)?.[1]
    const context = testContext(ws, { env: { PATH: bin } })
    await runVideoGeneration(
      inputs({ 'folder-name': 'system', model: 'preview', 'allow-bundled-ffmpeg': 'true' }),
      context,
    )
    const telemetry = JSON.parse(
      await readFile(path.join(ws, 'system/metadata/artifact-metadata.json'), 'utf8'),
    ) as { ffmpeg: { path: string; version: string; source: string } }
    expect(version).toBeTruthy()
    expect(telemetry.ffmpeg).toMatchObject({
      path: path.join(bin, 'ffmpeg'),
      version,
      source: 'system',
      found_via: 'PATH',
    })
    expect(logText(context.logger)).not.toMatch(/2018-12-10/)
  })

  it('the pipeline checks ffmpeg first: without it and without the switch nothing is generated', async () => {
    const error = await runPipeline(
      { concept: 'A lighthouse at dusk', 'folder-name': 'pipe', 'image-count': '1' },
      testContext(ws, { env: { PATH: noFfmpeg } }),
    ).catch((e: unknown) => e)
    expect(String(error)).toMatch(/VID_001: ffmpeg is not available.*apt-get install -y ffmpeg/)
    expect(existsSync(path.join(ws, 'pipe'))).toBe(false)
  })
})
