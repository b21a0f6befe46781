import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseV2Inputs } from '../../../src/stages/image-generation/inputs.js'
import { v2Outputs } from '../../../src/stages/image-generation/outputs.js'
import { runImageGeneration } from '../../../src/stages/image-generation/run.js'
import {
  everythingBin,
  startEverything,
  type RunningServer,
} from '../../fixtures/servers/everything.js'
import { testContext } from '../../helpers/stage-context.js'
import { listFiles, tempWorkspace } from '../../helpers/workspace.js'

/** A registry entry mapping the alias `tiny` to server-everything's `get-tiny-image` tool. */
const REGISTRY =
  'models:\n  tiny:\n    provider: mcp\n    displayName: server-everything tiny image\n    call: { type: sync, tool: get-tiny-image }\n'

async function runTiny(server: Record<string, unknown>) {
  const workspace = await tempWorkspace()
  await writeFile(path.join(workspace, 'registry.yaml'), REGISTRY)
  const result = await runImageGeneration(
    parseV2Inputs({
      'image-prompt': 'anything',
      'folder-name': 'out',
      'mcp-config': JSON.stringify({ mcpServers: { everything: server } }),
      models: 'tiny',
      'image-count': '2',
      'generation-strategy': 'parallel',
      'model-registry': 'registry.yaml',
    }),
    testContext(workspace),
  )
  return { workspace, result }
}

async function expectTinyImages(workspace: string, outputs: Record<string, string>): Promise<void> {
  expect(outputs['images-completed']).toBe('2')
  expect(outputs['models-used']).toBe('["tiny","tiny"]')
  // get-tiny-image sends base64 image content and no URL.
  expect(outputs['image-urls']).toBe('["",""]')
  expect(await listFiles(path.join(workspace, 'out/images'))).toEqual([
    'generated-image-1.png',
    'generated-image-2.png',
    'generated-image.png',
  ])
  const meta = await sharp(path.join(workspace, 'out/images/generated-image-1.png')).metadata()
  expect(meta.format).toBe('png')
}

describe('image-generation-v2 with @modelcontextprotocol/server-everything', () => {
  let http: RunningServer
  beforeAll(async () => {
    http = await startEverything('streamableHttp')
  })
  afterAll(async () => {
    await http.stop()
  })

  it('works over stdio', async () => {
    const { workspace, result } = await runTiny({
      command: process.execPath,
      args: [everythingBin(), 'stdio'],
    })
    expect(
      result.images.every((i) => i.server === 'everything' && i.tools[0] === 'get-tiny-image'),
    ).toBe(true)
    await expectTinyImages(workspace, v2Outputs(result, workspace))
  })

  it('works over Streamable HTTP', async () => {
    const { workspace, result } = await runTiny({
      type: 'http',
      url: `http://127.0.0.1:${http.port}/mcp`,
    })
    await expectTinyImages(workspace, v2Outputs(result, workspace))
  })
})
