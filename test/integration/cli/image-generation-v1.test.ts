import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  startFakeKamui,
  type FakeKamuiCall,
  type FakeKamuiHandle,
} from '../../fixtures/servers/start-fake-kamui.js'
import { REPO_ROOT, runKamui, runNode } from '../../helpers/run-kamui.js'
import { listFiles, removeDir, tempWorkspace } from '../../helpers/workspace.js'

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

describe('kamui image-generation (legacy v1) against the fake KamuiCode server over HTTP', () => {
  let server: FakeKamuiHandle
  const workspaces: string[] = []

  beforeAll(async () => {
    server = await startFakeKamui({ latencyMs: 50 })
  })
  afterAll(async () => {
    await server?.stop()
    await Promise.all(workspaces.map(removeDir))
  })

  /** Runs v1 with only the five legacy inputs; returns the run and the fake's new calls. */
  async function runV1(prompt: string, extra: string[] = []) {
    const workspace = await tempWorkspace('kamui-cli-v1-')
    workspaces.push(workspace)
    const mcpConfig = JSON.stringify({ mcpServers: { 't2i-kamui-imagen4-fast': server.entry() } })
    const before = (await server.calls()).length
    const run = await runKamui(
      [
        'image-generation',
        '--image-prompt',
        prompt,
        '--folder-name',
        'out/fox',
        '--branch-name',
        'main',
        '--oauth-token',
        'legacy-oauth-token-value',
        '--mcp-config',
        mcpConfig,
        ...extra,
      ],
      { cwd: workspace },
    )
    const calls: FakeKamuiCall[] = (await server.calls()).slice(before)
    return { run, workspace, calls }
  }

  function expectOneSubmit(calls: FakeKamuiCall[], prompt: string): void {
    const submits = calls.filter((c) => c.tool.endsWith('_submit'))
    expect(submits.map((c) => [c.tool, c.args['prompt'], c.outcome])).toEqual([
      ['imagen4_fast_submit', prompt, 'ok'],
    ])
  }

  it('writes exactly the two legacy files and prints exactly the three legacy outputs', async () => {
    const prompt = 'A red fox in fresh snow, morning light'
    const { run, workspace, calls } = await runV1(prompt)
    expect(run.code, run.stderr).toBe(0)

    const url = run.outputs['google-image-url'] as string
    expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/files/\\S+$`))
    expect(run.stdout).toBe(
      `image-completed=true\ngoogle-image-url=${url}\nused-model=imagen4-fast\n`,
    )
    expect(run.outputs).toEqual({
      'image-completed': 'true',
      'google-image-url': url,
      'used-model': 'imagen4-fast',
    })

    // Nothing else anywhere in the workspace (no report, no v2 files, no temp files).
    expect(await listFiles(workspace)).toEqual([
      'out/fox/google-image-url.txt',
      'out/fox/images/generated-image.png',
      // SPEC §7: every stage writes the telemetry contract file, v1 included.
      'out/fox/metadata/artifact-metadata.json',
    ])
    const folder = path.join(workspace, 'out/fox')
    expect(await readFile(path.join(folder, 'google-image-url.txt'), 'utf8')).toBe(`${url}\n`)
    const png = await readFile(path.join(folder, 'images/generated-image.png'))
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true)
    const meta = await sharp(png).metadata()
    expect(meta.format).toBe('png')
    expect(meta.width).toBeGreaterThan(0)
    expect(meta.height).toBeGreaterThan(0)

    expectOneSubmit(calls, prompt)
  })

  it('prints the same outputs as one JSON object with --json', async () => {
    const prompt = 'A lighthouse on a cliff at sunset'
    const { run, workspace, calls } = await runV1(prompt, ['--json'])
    expect(run.code, run.stderr).toBe(0)
    const parsed = JSON.parse(run.stdout) as Record<string, string>
    expect(Object.keys(parsed)).toEqual(['image-completed', 'google-image-url', 'used-model'])
    const url = parsed['google-image-url'] as string
    expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/files/\\S+$`))
    expect(parsed).toEqual({
      'image-completed': 'true',
      'google-image-url': url,
      'used-model': 'imagen4-fast',
    })
    expect(await readFile(path.join(workspace, 'out/fox/google-image-url.txt'), 'utf8')).toBe(
      `${url}\n`,
    )
    expect(await listFiles(workspace)).toEqual([
      'out/fox/google-image-url.txt',
      'out/fox/images/generated-image.png',
      // SPEC §7: every stage writes the telemetry contract file, v1 included.
      'out/fox/metadata/artifact-metadata.json',
    ])
    expectOneSubmit(calls, prompt)
  })
})

describe('kamui --version', () => {
  const version = async (): Promise<string> =>
    (
      JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
        version: string
      }
    ).version

  it('prints the package version from the TypeScript sources', async () => {
    const run = await runKamui(['--version'], { cwd: REPO_ROOT })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout.trim()).toBe(await version())
  })

  it('prints the package version from the committed bundle (node bin/kamui.js)', async () => {
    expect(existsSync(path.join(REPO_ROOT, 'dist/kamui/index.js'))).toBe(true)
    const run = await runNode([path.join(REPO_ROOT, 'bin/kamui.js'), '--version'], {
      cwd: REPO_ROOT,
    })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout.trim()).toBe(await version())
  })
})
