import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { FakeKamuiCall, FakeKamuiHandle } from '../../fixtures/servers/start-fake-kamui.js'

/** Submit calls among the calls a fake KamuiCode server logged. */
export const submitsOf = (calls: FakeKamuiCall[]): FakeKamuiCall[] =>
  calls.filter((c) => c.tool.endsWith('_submit'))

/**
 * Writes `registry.json` into `workspace`: imagen4-fast as built in, priced at `usd` per image
 * (a user's registry file setting `price`). Returns the workspace-relative path.
 */
export async function writePricedRegistry(workspace: string, usd: number): Promise<string> {
  const registry = {
    models: {
      'imagen4-fast': {
        provider: 'mcp',
        displayName: 'Imagen4 Fast (test price)',
        call: {
          type: 'async',
          submit: 'imagen4_fast_submit',
          status: 'imagen4_fast_status',
          result: 'imagen4_fast_result',
        },
        serverHints: ['imagen4-fast'],
        price: { usd, per: 'image' },
      },
    },
  }
  await writeFile(path.join(workspace, 'registry.json'), JSON.stringify(registry, null, 2))
  return 'registry.json'
}

/** CLI arguments of a v2 run of `count` 64×64 images with imagen4-fast on the fake server. */
export function v2Args(
  server: FakeKamuiHandle,
  folder: string,
  count: number,
  extra: string[] = [],
): string[] {
  return [
    'image-generation-v2',
    '--image-prompt',
    'a lighthouse at dusk, budget test',
    '--folder-name',
    folder,
    '--image-count',
    String(count),
    '--models',
    'imagen4-fast',
    '--generation-strategy',
    'parallel',
    '--max-parallel',
    '3',
    '--image-size',
    '64x64',
    '--seed',
    '4242',
    '--model-registry',
    'registry.json',
    '--mcp-config',
    JSON.stringify({ mcpServers: { 't2i-kamui-imagen4-fast': server.entry() } }),
    ...extra,
  ]
}
