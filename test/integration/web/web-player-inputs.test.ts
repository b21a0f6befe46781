import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isKamuiError } from '../../../src/core/errors.js'
import type { RawInputs } from '../../../src/core/input-spec.js'
import { parseV1Inputs } from '../../../src/stages/image-generation/inputs.js'
import { runImageGeneration } from '../../../src/stages/image-generation/run.js'
import { webPlayerGenerationCommand } from '../../../src/stages/web-player-generation/commands.js'
import { verifyTelemetry } from '../../../src/output/telemetry/verify.js'
import { testContext } from '../../helpers/stage-context.js'
import { listFiles, removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { writeTestMp4, writeTestPly } from './fixtures.js'

describe('web-player-generation inputs and layouts (no browser)', () => {
  let workspace: string
  beforeEach(async () => {
    workspace = await tempWorkspace('kamui-player-in-')
  })
  afterEach(async () => {
    await removeDir(workspace)
  })
  const run = (raw: RawInputs, env: Record<string, string> = {}) =>
    webPlayerGenerationCommand.run(
      { 'music-concept': 'Roses & rain', ...raw },
      testContext(workspace, { env: { PATH: process.env['PATH'], ...env } }),
    )
  const failure = (raw: RawInputs) =>
    run(raw).then(
      () => undefined,
      (error: unknown) => error,
    )

  it('shows a legacy v1 folder (no report): the one image as primary, its model from the telemetry', async () => {
    await runImageGeneration(
      parseV1Inputs({ 'image-prompt': 'A red fox in snow', 'folder-name': 'v1run' }),
      testContext(workspace),
    )
    const result = await run({ 'folder-name': 'v1run' })
    expect(result.outputs['docs-deployed']).toBe('true')
    expect(result.outputs['web-player-url']).toBe('v1run/index.html')
    const html = await readFile(path.join(workspace, 'v1run/index.html'), 'utf8')
    expect(html).toContain('href="images/generated-image.png"')
    expect(html).toContain('src="web/thumbs/image-1.webp"')
    expect(html).toContain('data-primary="true"')
    expect(html).toContain('preview:imagen4-fast')
    expect(html).toContain('not recorded (no generation report)')
    expect(html).toContain('No generation report for this run.')
    // No point cloud: no three.js copied, no viewer script loaded.
    expect(html).not.toContain('kamui-viewer.js"')
    expect(await listFiles(path.join(workspace, 'v1run/web'))).toEqual(['thumbs/image-1.webp'])
    expect((await verifyTelemetry(path.join(workspace, 'v1run'))).problems).toEqual([])
  })

  it('copies given files from outside the folder into web/media/, without a docs copy when docs-folder is none', async () => {
    await writeTestMp4(path.join(workspace, 'elsewhere/a/clip.mp4'))
    await writeTestMp4(path.join(workspace, 'elsewhere/b/clip.mp4'))
    await writeTestMp4(path.join(workspace, 'elsewhere/final-music-video.mp4'))
    await writeTestPly(path.join(workspace, 'elsewhere/cloud.ply'), 8, 6)
    const result = await run(
      {
        'folder-name': 'run',
        'video-files':
          'elsewhere/a/clip.mp4, elsewhere/final-music-video.mp4\nelsewhere/b/clip.mp4',
        'ply-file-path': 'elsewhere/cloud.ply',
        'docs-folder': 'none',
      },
      { GITHUB_REPOSITORY: 'octo/demo' },
    )
    expect(result.outputs).toMatchObject({
      'docs-deployed': 'false',
      'web-player-url': 'run/index.html',
    })
    const files = await listFiles(path.join(workspace, 'run'))
    expect(files.filter((f) => f.startsWith('web/media/'))).toEqual([
      'web/media/clip-2.mp4',
      'web/media/clip.mp4',
      'web/media/cloud.ply',
      'web/media/final-music-video.mp4',
    ])
    const html = await readFile(path.join(workspace, 'run/index.html'), 'utf8')
    expect(html.indexOf('web/media/clip.mp4')).toBeLessThan(html.indexOf('web/media/clip-2.mp4'))
    expect(html).toMatch(/id="final-video"[^>]*>\s*<source src="web\/media\/final-music-video.mp4"/)
    expect(html).toContain('"ply":"web/media/cloud.ply"')
    expect(await listFiles(path.join(workspace, 'docs'))).toEqual([])
    expect((await verifyTelemetry(path.join(workspace, 'run'))).problems).toEqual([])
  })

  it('publishes in place when the folder already lies in the docs folder', async () => {
    await writeTestPly(path.join(workspace, 'docs/runs/r1/pointcloud.ply'), 8, 6)
    const result = await run(
      { 'folder-name': 'docs/runs/r1' },
      { GITHUB_REPOSITORY: 'octo/octo.github.io' },
    )
    expect(result.outputs).toMatchObject({
      'docs-deployed': 'true',
      'web-player-url': 'https://octo.github.io/runs/r1/',
    })
    const index = await readFile(path.join(workspace, 'docs/index.html'), 'utf8')
    expect(index).toContain('href="runs/r1/"')
    expect(index).toContain('Roses &amp; rain')
    // In the docs site the page loads the site's one viewer bundle; the run folder holds none.
    const files = await listFiles(path.join(workspace, 'docs'))
    const bundle = files.filter((f) => f.endsWith('.js') && f.includes('kamui-viewer'))
    expect(bundle).toEqual([expect.stringMatching(/^assets\/kamui-viewer-[0-9a-f]{12}\.js$/)])
    const page = await readFile(path.join(workspace, 'docs/runs/r1/index.html'), 'utf8')
    expect(page).toContain(`<script src="../../${bundle[0] as string}"></script>`)
  })

  it('fails with WEB_001 or FS_001 on bad inputs, before writing a page', async () => {
    await mkdir(path.join(workspace, 'run/metadata'), { recursive: true })
    await writeFile(
      path.join(workspace, 'run/metadata/generation-report.json'),
      '{"schema_version":1}',
    )
    const cases: [RawInputs, string, RegExp][] = [
      [{ 'folder-name': 'x', 'music-concept': ' ' }, 'WEB_001', /music-concept is empty/],
      [{ 'folder-name': '.' }, 'WEB_001', /below the workspace/],
      [
        { 'folder-name': 'x', 'video-files': 'missing.mp4' },
        'WEB_001',
        /video-files: "missing.mp4" does not exist/,
      ],
      [{ 'folder-name': 'run' }, 'WEB_001', /not an image-generation report/],
      [
        { 'folder-name': 'x', 'ply-file-path': '../outside.ply' },
        'FS_001',
        /outside the workspace/,
      ],
    ]
    for (const [raw, code, message] of cases) {
      const error = await failure(raw)
      expect(isKamuiError(error), String(error)).toBe(true)
      expect((error as { code: string }).code).toBe(code)
      expect((error as Error).message).toMatch(message)
    }
    expect(await listFiles(path.join(workspace, 'x'))).toEqual([])
  })
})
