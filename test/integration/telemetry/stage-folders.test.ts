import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseV1Inputs, parseV2Inputs } from '../../../src/stages/image-generation/inputs.js'
import { runImageGeneration } from '../../../src/stages/image-generation/run.js'
import { runVerifyTelemetry } from '../../../src/output/telemetry/verify-command.js'
import { testContext } from '../../helpers/stage-context.js'
import { tempWorkspace } from '../../helpers/workspace.js'

async function verify(folder: string): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = []
  const code = await runVerifyTelemetry(folder, (line) => lines.push(line))
  return { code, lines }
}

describe('kamui verify-telemetry on the folders the image stages write', () => {
  it('passes on v1 and v2 folders and fails when a field is removed', async () => {
    const workspace = await tempWorkspace()
    const context = testContext(workspace)
    await runImageGeneration(
      parseV1Inputs({ 'image-prompt': 'A red fox', 'folder-name': 'v1' }),
      context,
    )
    await runImageGeneration(
      parseV2Inputs({
        'image-prompt': 'A red fox',
        'folder-name': 'v2',
        'image-count': '3',
        models: 'imagen4-fast,flux-schnell',
        'image-size': '256x256',
        'enable-comparison': 'true',
        seed: '4',
      }),
      context,
    )
    for (const folder of ['v1', 'v2']) {
      const result = await verify(path.join(workspace, folder))
      expect(result.lines.join('\n')).toMatch(/^ok: /)
      expect(result.code).toBe(0)
    }
    expect((await verify(workspace)).code).toBe(0)

    const file = path.join(workspace, 'v2/metadata/artifact-metadata.json')
    const metadata = JSON.parse(await readFile(file, 'utf8')) as {
      run: Record<string, unknown>
      artifacts: Record<string, unknown>[]
    }
    expect(metadata.artifacts.map((a) => a['path'])).toEqual(
      expect.arrayContaining([
        'images/generated-image-1.png',
        'metadata/contact-sheet.png',
        'metadata/generation-report.json',
      ]),
    )
    delete metadata.run['commit']
    delete (metadata.artifacts[1] as Record<string, unknown>)['timings']
    await writeFile(file, JSON.stringify(metadata))
    const broken = await verify(path.join(workspace, 'v2'))
    expect(broken.code).toBe(1)
    expect(broken.lines.join('\n')).toMatch(/run\.commit: missing/)
    expect(broken.lines.join('\n')).toMatch(/artifacts\[1\]\.timings: missing/)
  })
})
