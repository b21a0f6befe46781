import { readFile } from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseV2Inputs } from '../../../src/stages/image-generation/inputs.js'
import { v2Outputs } from '../../../src/stages/image-generation/outputs.js'
import { runImageGeneration } from '../../../src/stages/image-generation/run.js'
import { startFakeKamui, type FakeKamuiHandle } from '../../fixtures/servers/start-fake-kamui.js'
import { testContext } from '../../helpers/stage-context.js'
import { listFiles, tempWorkspace } from '../../helpers/workspace.js'

async function readJson(file: string): Promise<unknown> {
  return JSON.parse(await readFile(file, 'utf8'))
}

describe('image-generation-v2 on the preview server (no mcp-config)', () => {
  it('makes every v2 file, round robin, labelled as preview', async () => {
    const workspace = await tempWorkspace()
    const context = testContext(workspace)
    const inputs = parseV2Inputs({
      'image-prompt': 'A lighthouse on a cliff at sunset',
      'folder-name': 'out/run',
      'image-count': '3',
      models: 'imagen4-fast,flux-schnell',
      'image-size': '256x256',
      seed: '7',
    })
    const result = await runImageGeneration(inputs, context)
    const folder = path.join(workspace, 'out/run')
    expect(await listFiles(folder)).toEqual([
      'google-image-url-1.txt',
      'google-image-url-2.txt',
      'google-image-url-3.txt',
      'google-image-url.txt',
      'image-urls.json',
      'images/generated-image-1.png',
      'images/generated-image-2.png',
      'images/generated-image-3.png',
      'images/generated-image.png',
      'metadata/artifact-metadata.json',
      'metadata/contact-sheet.png',
      'metadata/generation-report.json',
      'metadata/journal.jsonl',
      'metadata/quality-analysis.json',
      'models-used.json',
      'quality-scores.json',
    ])
    const outputs = v2Outputs(result, workspace)
    expect(JSON.parse(outputs['models-used'] as string)).toEqual([
      'preview:imagen4-fast',
      'preview:flux-schnell',
      'preview:imagen4-fast',
    ])
    expect(outputs['used-model']).toBe('preview:imagen4-fast')
    const report = (await readJson(path.join(folder, 'metadata/generation-report.json'))) as {
      preview: boolean
      notices: string[]
      images: { preview: boolean; seed: number }[]
    }
    expect(report.preview).toBe(true)
    expect(report.notices[0]).toMatch(/^PREVIEW OUTPUT/)
    expect(report.images.map((i) => [i.preview, i.seed])).toEqual([
      [true, 7],
      [true, 8],
      [true, 9],
    ])
    expect(
      context.logger.lines.some(
        (l) => l.level === 'warn' && l.message.startsWith('PREVIEW OUTPUT'),
      ),
    ).toBe(true)
    const meta = await sharp(path.join(folder, 'images/generated-image-2.png')).metadata()
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 256, 256])
    expect(await readFile(path.join(folder, 'images/generated-image.png'))).toEqual(
      await readFile(path.join(folder, 'images/generated-image-1.png')),
    )
  })

  it('is deterministic for (prompt, seed, size) and differs between prompts', async () => {
    const run = async (prompt: string): Promise<Buffer> => {
      const workspace = await tempWorkspace()
      await runImageGeneration(
        parseV2Inputs({
          'image-prompt': prompt,
          'folder-name': 'o',
          seed: '3',
          'image-size': '128x128',
          models: 'preview',
        }),
        // One run id for the three runs: the provenance XMP names the run (issue 16).
        testContext(workspace, { env: { PATH: process.env['PATH'], GITHUB_RUN_ID: '4242' } }),
      )
      return readFile(path.join(workspace, 'o/images/generated-image.png'))
    }
    const [a, b, c] = await Promise.all([run('red apples'), run('red apples'), run('a blue whale')])
    expect(a.equals(b as Buffer)).toBe(true)
    expect(a.equals(c as Buffer)).toBe(false)
  })
})

describe('image-generation-v2 against a KamuiCode-like server over Streamable HTTP', () => {
  let server: FakeKamuiHandle
  beforeAll(async () => {
    server = await startFakeKamui({ latencyMs: 100 })
  })
  afterAll(async () => {
    await server.stop()
  })

  it('makes 5 images round robin with consistent outputs and files', async () => {
    const workspace = await tempWorkspace()
    const mcpConfig = JSON.stringify({
      mcpServers: {
        't2i-kamui-imagen4-fast': server.entry(),
        't2i-kamui-flux-schnell': {
          type: 'http',
          url: server.url,
          headers: { 'KAMUI-CODE-PASS': server.pass },
        },
      },
    })
    const result = await runImageGeneration(
      parseV2Inputs({
        'image-prompt': 'A bouquet of roses',
        'folder-name': 'out/five',
        'mcp-config': mcpConfig,
        'image-count': '5',
        models: 'imagen4-fast,flux-schnell',
        seed: '100',
        'enable-comparison': 'true',
      }),
      testContext(workspace),
    )
    const folder = path.join(workspace, 'out/five')
    const outputs = v2Outputs(result, workspace)
    expect(outputs['images-completed']).toBe('5')
    expect(JSON.parse(outputs['models-used'] as string)).toEqual([
      'imagen4-fast',
      'flux-schnell',
      'imagen4-fast',
      'flux-schnell',
      'imagen4-fast',
    ])
    const urls = JSON.parse(outputs['image-urls'] as string) as string[]
    expect(urls).toHaveLength(5)
    for (const url of urls)
      expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/files/`))
    expect(new Set(urls).size).toBe(5)
    expect(await readJson(path.join(folder, 'image-urls.json'))).toEqual(urls)
    expect(await readJson(path.join(folder, 'models-used.json'))).toEqual(
      JSON.parse(outputs['models-used'] as string),
    )
    for (let i = 1; i <= 5; i++) {
      expect((await readFile(path.join(folder, `google-image-url-${i}.txt`), 'utf8')).trim()).toBe(
        urls[i - 1],
      )
      const meta = await sharp(path.join(folder, `images/generated-image-${i}.png`)).metadata()
      expect(meta.format).toBe('png')
    }
    expect((await readFile(path.join(folder, 'google-image-url.txt'), 'utf8')).trim()).toBe(
      outputs['google-image-url'],
    )
    expect(outputs['google-image-url']).toBe(urls[Number(outputs['primary-image-index'])])
    expect(outputs['generation-report']).toBe('out/five/metadata/generation-report.json')
    const scores = JSON.parse(outputs['quality-scores'] as string) as number[]
    expect(scores).toHaveLength(5)
    for (const score of scores) expect(score).toBeGreaterThan(0.7)

    const comparison = await readFile(path.join(folder, 'metadata/model-comparison.md'), 'utf8')
    expect(comparison).toContain(
      '| 2 | flux-schnell | ok | [images/generated-image-2.png](../images/generated-image-2.png) |',
    )
    expect(comparison).toMatch(/\| imagen4-fast \| 3 \| 3 \| 0 \| \d+\.\d s \|/)
    const submits = (await server.calls()).filter(
      (c) => c.tool.endsWith('_submit') && c.outcome === 'ok',
    )
    expect(submits.map((c) => [c.tool, c.args['prompt'], c.args['seed']])).toEqual(
      expect.arrayContaining([
        ['imagen4_fast_submit', 'A bouquet of roses', 100],
        ['flux_schnell_submit', 'A bouquet of roses', 101],
        ['imagen4_fast_submit', 'A bouquet of roses', 104],
      ]),
    )
  })
})
