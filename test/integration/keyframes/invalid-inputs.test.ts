import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import path from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { fakeKeyframesServer } from '../../fixtures/servers/fake-keyframes/start.js'
import { runKamui } from '../../helpers/run-kamui.js'
import { tempWorkspace } from '../../helpers/workspace.js'
import { FOUR_SEGMENTS, productPhotos, runStage, storyboardFile } from './helpers.js'

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/**
 * Runs the stage against the fake hosted server and checks that it failed before any model
 * call and before writing anything.
 */
async function failsFast(
  workspace: string,
  raw: Record<string, string>,
): Promise<{ code: string | undefined; message: string; ms: number }> {
  const fake = fakeKeyframesServer({ latencyMs: 10 })
  const started = performance.now()
  const { error } = await runStage(workspace, { 'mcp-config': fake.mcpConfig(), ...raw })
  const ms = performance.now() - started
  expect(await fake.calls()).toEqual([])
  expect(existsSync(path.join(workspace, 'out'))).toBe(false)
  return { code: error?.code, message: error?.message ?? '', ms }
}

describe('keyframes input checks fail fast, naming the problem, before any model call', () => {
  it('refuses 11 product images', async () => {
    const workspace = await tempWorkspace()
    const photos = await productPhotos(workspace)
    const eleven = Array.from({ length: 11 }, (_, i) => photos[i % 3] as string)
    const { code, message } = await failsFast(workspace, {
      'storyboard-file': await storyboardFile(workspace),
      'product-images': eleven.join('\n'),
    })
    expect(code).toBe('KF_001')
    expect(message).toBe('KF_001: 11 product images were given; at most 10 are accepted.')
  })

  it('refuses a 12 MB product image', async () => {
    const workspace = await tempWorkspace()
    const photos = await productPhotos(workspace)
    await writeFile(path.join(workspace, 'photos/huge.png'), Buffer.alloc(12 * 1024 * 1024, 7))
    const { code, message } = await failsFast(workspace, {
      'storyboard-file': await storyboardFile(workspace),
      'product-images': [...photos, 'photos/huge.png'].join(','),
    })
    expect(code).toBe('KF_001')
    expect(message).toMatch(
      /image 4 \(photos\/huge\.png\): is 12\.0 MB \(12582912 bytes\), above the limit of 10 MB/,
    )
  })

  it('refuses a GIF', async () => {
    const workspace = await tempWorkspace()
    const photos = await productPhotos(workspace)
    await sharp({ create: { width: 64, height: 64, channels: 3, background: '#888' } })
      .gif()
      .toFile(path.join(workspace, 'photos/anim.gif'))
    const { code, message } = await failsFast(workspace, {
      'storyboard-file': await storyboardFile(workspace),
      'product-images': ['photos/anim.gif', ...photos].join(','),
    })
    expect(code).toBe('KF_001')
    expect(message).toMatch(
      /image 1 \(photos\/anim\.gif\): is a GIF; only JPEG, PNG and WebP are accepted/,
    )
  })

  it('refuses an unreachable URL', async () => {
    const workspace = await tempWorkspace()
    const photos = await productPhotos(workspace)
    const url = `http://127.0.0.1:${await closedPort()}/product.png?token=secret`
    const { code, message, ms } = await failsFast(workspace, {
      'storyboard-file': await storyboardFile(workspace),
      'product-images': [...photos, url].join(','),
    })
    expect(code).toBe('KF_001')
    expect(message).toMatch(
      /image 4 \(http:\/\/127\.0\.0\.1:\d+\/product\.png\): cannot be downloaded: .*ECONNREFUSED/,
    )
    expect(message).not.toContain('token=secret')
    expect(ms).toBeLessThan(10_000)
  })

  it('refuses an invalid storyboard file, naming each field', async () => {
    const workspace = await tempWorkspace()
    const photos = await productPhotos(workspace)
    const broken = [
      { ...FOUR_SEGMENTS[0], type: 'body' },
      { ...FOUR_SEGMENTS[1], duration: -2 },
      ...FOUR_SEGMENTS.slice(2),
    ]
    const { code, message } = await failsFast(workspace, {
      'storyboard-file': await storyboardFile(workspace, broken),
      'product-images': photos.join(','),
    })
    expect(code).toBe('KF_002')
    expect(message).toMatch(/storyboard-file "storyboard\.json" is invalid: /)
    expect(message).toMatch(/segments\.0\.type: segment 1 of 4 must be "hook"/)
    expect(message).toMatch(/segments\.1\.duration: /)
  })

  it('the CLI exits 1 with the code and the problem on stderr', async () => {
    const workspace = await tempWorkspace()
    const photos = await productPhotos(workspace)
    await writeFile(path.join(workspace, 'storyboard.json'), '{ "segments": [ }')
    const run = await runKamui(
      [
        'keyframes',
        '--storyboard-file',
        'storyboard.json',
        '--product-images',
        photos.join(','),
        '--folder-name',
        'out',
      ],
      { cwd: workspace },
    )
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/KF_002: storyboard-file "storyboard\.json" is not valid JSON/)
  })
})
