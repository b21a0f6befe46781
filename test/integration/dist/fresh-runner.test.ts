import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cp, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'
import { renderPreviewImage } from '../../../src/media/preview/render.js'
import { tempWorkspace } from '../../helpers/workspace.js'

const run = promisify(execFile)
const ROOT = path.resolve(import.meta.dirname, '../../..')

/** Parses the runner's `GITHUB_OUTPUT` file (`name<<delimiter` heredoc entries). */
function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i] ?? '')
    if (!match) continue
    const [, name, delimiter] = match
    const value: string[] = []
    while (++i < lines.length && lines[i] !== delimiter) value.push(lines[i] as string)
    outputs[name as string] = value.join('\n')
  }
  return outputs
}

/**
 * Simulates `uses: owner/repo/actions/image-generation-v2@ref` on a fresh runner: only the
 * committed files of the repository (actions/, dist/, runtime/) exist, with no node_modules
 * anywhere above them, and the bundle is started the way the runner starts a node24 action.
 */
describe('the committed bundle on a fresh runner', () => {
  it('installs the pinned native runtime once and runs the action', { timeout: 180_000 }, async () => {
    const repo = await tempWorkspace('kamui-action-')
    for (const dir of ['actions', 'dist', 'runtime']) await cp(path.join(ROOT, dir), path.join(repo, dir), { recursive: true })
    const action = parse(await readFile(path.join(repo, 'actions/image-generation-v2/action.yml'), 'utf8')) as {
      runs: { using: string; main: string }
    }
    expect(action.runs.using).toBe('node24')
    const main = path.resolve(repo, 'actions/image-generation-v2', action.runs.main)
    expect(existsSync(main)).toBe(true)

    const workspace = await tempWorkspace()
    const toolCache = await tempWorkspace('kamui-toolcache-')
    const start = async (folder: string): Promise<{ outputs: Record<string, string>; stdout: string }> => {
      const outputFile = path.join(workspace, `${folder}.out`)
      await writeFile(outputFile, '')
      const { stdout } = await run(process.execPath, [main], {
        cwd: workspace,
        env: {
          PATH: process.env['PATH'],
          HOME: process.env['HOME'],
          GITHUB_WORKSPACE: workspace,
          GITHUB_OUTPUT: outputFile,
          RUNNER_TOOL_CACHE: toolCache,
          'INPUT_IMAGE-PROMPT': 'A lighthouse at dusk',
          'INPUT_FOLDER-NAME': folder,
          'INPUT_IMAGE-COUNT': '2',
          'INPUT_IMAGE-SIZE': '128x128',
          'INPUT_MODELS': 'preview',
          'INPUT_GENERATION-STRATEGY': 'parallel',
          'INPUT_MAX-PARALLEL': '3',
          'INPUT_QUALITY-THRESHOLD': '0.7',
          'INPUT_PER-IMAGE-TIMEOUT': '300',
          'INPUT_TOTAL-TIMEOUT': '1800',
          'INPUT_ENABLE-COMPARISON': 'false',
        },
        timeout: 150_000,
      })
      return { outputs: parseOutputFile(await readFile(outputFile, 'utf8')), stdout }
    }

    const first = await start('first')
    expect(first.stdout).toContain('Installing the pinned native runtime (sharp)')
    expect(first.stdout).not.toContain('::error::')
    expect(first.outputs['images-completed']).toBe('2')
    expect(first.outputs['models-used']).toBe('["preview","preview"]')
    expect(existsSync(path.join(workspace, 'first/images/generated-image-2.png'))).toBe(true)
    // The tool cache holds the runtime once, beside the job cache (`jobs`, issue 11).
    const installed = (await readdir(path.join(toolCache, 'kamui-media-actions'))).filter(
      (name) => name !== 'jobs',
    )
    expect(installed).toHaveLength(1)
    expect(existsSync(path.join(toolCache, 'kamui-media-actions', installed[0] as string, 'node_modules/sharp/package.json'))).toBe(true)

    const second = await start('second')
    expect(second.stdout).not.toContain('Installing the pinned native runtime')
    expect(second.outputs['images-completed']).toBe('2')
  })

  it(
    'without ffmpeg on the runner, the video action stops before generating unless allow-bundled-ffmpeg installs the bundled build (once)',
    { timeout: 240_000 },
    async () => {
      const repo = await tempWorkspace('kamui-action-')
      for (const dir of ['actions', 'dist', 'runtime']) {
        await cp(path.join(ROOT, dir), path.join(repo, dir), { recursive: true })
      }
      const workspace = await tempWorkspace()
      const toolCache = await tempWorkspace('kamui-toolcache-')
      // A PATH with node and npm but no ffmpeg, as on a bare runner.
      const bin = path.join(await tempWorkspace('kamui-bin-'), 'bin')
      await mkdir(bin)
      await symlink(process.execPath, path.join(bin, 'node'))
      await symlink(execPathOf('npm'), path.join(bin, 'npm'))
      await writeFile(
        path.join(workspace, 'frame.png'),
        renderPreviewImage({ prompt: 'a red fox', seed: 1, width: 128, height: 96 }).png,
      )
      const main = path.join(repo, 'dist/video-generation/index.js')
      const start = async (
        folder: string,
        allowBundled: string,
      ): Promise<{ outputs: Record<string, string>; stdout: string; code: number }> => {
        const outputFile = path.join(workspace, `${folder}.out`)
        await writeFile(outputFile, '')
        const result = await run(process.execPath, [main], {
          cwd: workspace,
          env: {
            PATH: bin,
            HOME: process.env['HOME'],
            GITHUB_WORKSPACE: workspace,
            GITHUB_OUTPUT: outputFile,
            RUNNER_TOOL_CACHE: toolCache,
            'INPUT_VIDEO-PROMPT': 'The camera pushes in',
            'INPUT_INPUT-IMAGE-PATH': 'frame.png',
            'INPUT_FOLDER-NAME': folder,
            INPUT_MODEL: 'preview',
            INPUT_DURATION: '1',
            INPUT_FPS: '8',
            'INPUT_ALLOW-BUNDLED-FFMPEG': allowBundled,
          },
          timeout: 200_000,
        }).then(
          ({ stdout }) => ({ stdout, code: 0 }),
          (error: { stdout?: string; code?: number }) => ({
            stdout: error.stdout ?? '',
            code: error.code ?? 1,
          }),
        )
        return { ...result, outputs: parseOutputFile(await readFile(outputFile, 'utf8')) }
      }
      const refused = await start('refused', 'false')
      expect(refused.code).toBe(1)
      expect(refused.stdout).toMatch(/::error::VID_001: ffmpeg is not available/)
      expect(refused.stdout).toContain('apt-get install -y ffmpeg')
      expect(refused.stdout).not.toContain('Installing the pinned native runtime (@ffmpeg-installer/ffmpeg)')
      expect(existsSync(path.join(workspace, 'refused/videos'))).toBe(false)

      const first = await start('first', 'true')
      expect(first.stdout).toContain('Installing the pinned native runtime (@ffmpeg-installer/ffmpeg)')
      expect(first.stdout).toMatch(/::warning::.*FFmpeg 4\.1, built 2018-12-10/)
      expect(first.stdout).not.toContain('::error::')
      expect(first.outputs['video-completed']).toBe('true')
      expect(existsSync(path.join(workspace, 'first/videos/segment-1.mp4'))).toBe(true)
      const telemetry = JSON.parse(
        await readFile(path.join(workspace, 'first/metadata/artifact-metadata.json'), 'utf8'),
      ) as { ffmpeg: { source: string; version: string } }
      expect(telemetry.ffmpeg).toMatchObject({ source: 'bundled', version: 'N-47683-g0e8eb07980-static' })
      const second = await start('second', 'true')
      expect(second.stdout).not.toContain('Installing the pinned native runtime (@ffmpeg-installer/ffmpeg)')
      expect(second.outputs['video-completed']).toBe('true')
    },
  )
})

/** The real path of an executable on this machine's PATH. */
function execPathOf(name: string): string {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name)
    if (existsSync(candidate)) return candidate
  }
  throw new Error(`${name} is not on the PATH`)
}
