import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ShardManifestSchema } from '../../../src/contracts/shard-manifest.js'
import { startFakeKamui, type FakeKamuiHandle } from '../../fixtures/servers/start-fake-kamui.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { kamuiOk, kamuiTogether, maxInFlight, readJson, submitsOf } from './helpers.js'

/**
 * Issue 13: rate limits belong to the provider account. A model limited to 3 jobs at once,
 * run by three shards at the same time (each with max-parallel 3, which alone would allow
 * 9 at once), never has more than 3 of its jobs in flight at the server.
 */
describe('per-shard rate limits (issue 13)', () => {
  let server: FakeKamuiHandle
  let workspace: string

  beforeAll(async () => {
    server = await startFakeKamui({ latencyMs: 2500, longSide: 64 })
    workspace = await tempWorkspace('kamui-shard-limits-')
    const registry = {
      models: {
        'limited-fast': {
          provider: 'mcp',
          displayName: 'Imagen4 Fast limited to 3 at once (test)',
          call: {
            type: 'async',
            submit: 'imagen4_fast_submit',
            status: 'imagen4_fast_status',
            result: 'imagen4_fast_result',
          },
          serverHints: ['imagen4-fast'],
          rateLimit: { concurrency: 3 },
          price: { usd: 0.02, per: 'image' },
        },
      },
    }
    await writeFile(path.join(workspace, 'registry.json'), JSON.stringify(registry))
  })
  afterAll(async () => {
    await server?.stop()
    await removeDir(workspace)
  })

  it('three shards together never run more than 3 jobs of a model limited to 3', async () => {
    const args = [
      '--image-prompt',
      'a lighthouse at dusk, rate limit test',
      '--folder-name',
      'out/limited',
      '--image-count',
      '9',
      '--models',
      'limited-fast',
      '--seed',
      '11',
      '--generation-strategy',
      'parallel',
      '--max-parallel',
      '3',
      '--image-size',
      '64x64',
      '--model-registry',
      'registry.json',
      '--mcp-config',
      JSON.stringify({ mcpServers: { 't2i-kamui-imagen4-fast': server.entry() } }),
    ]
    const plan = await kamuiOk(['plan', '--shards', '3', ...args], workspace)
    const manifest = ShardManifestSchema.parse(
      await readJson(path.join(workspace, plan.outputs['shard-manifest'] ?? '')),
    )
    expect(manifest.models).toEqual([
      {
        model: 'limited-fast',
        account: { concurrency: 3 },
        shards_using: 3,
        per_shard: { concurrency: 1 },
      },
    ])
    expect(manifest.estimated_cost.total_usd).toBeCloseTo(0.18, 6)
    expect(plan.outputs['estimated-cost-usd']).toBe('0.18')

    await kamuiTogether(
      [1, 2, 3].map((k) => [
        'image-generation-v2',
        ...args,
        '--shard',
        `${k}/3`,
        '--shard-manifest',
        plan.outputs['shard-manifest'] ?? '',
      ]),
      workspace,
    )
    const calls = await server.calls()
    expect(submitsOf(calls)).toHaveLength(9)
    const peak = maxInFlight(calls, 'imagen4_fast')
    expect(peak).toBeLessThanOrEqual(3)
    // The shards did run side by side (the limit is shared, not a queue of one).
    expect(peak).toBeGreaterThanOrEqual(2)
  }, 240_000)
})
