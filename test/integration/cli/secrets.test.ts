import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeKamui, type FakeKamuiHandle } from '../../fixtures/servers/start-fake-kamui.js'
import { runKamui } from '../../helpers/run-kamui.js'
import { filesContaining, listFiles, removeDir, tempWorkspace } from '../../helpers/workspace.js'

/**
 * Secrets given to the CLI (the oauth-token, header values and stdio env values of mcp-config)
 * never reach stdout, stderr (debug lines included) or any file in the workspace.
 */

const secret = (label: string): string => `${label}-${randomBytes(16).toString('hex')}`

describe('kamui image-generation-v2 keeps secrets out of its output and files', () => {
  let server: FakeKamuiHandle
  const workspaces: string[] = []
  const pass = secret('kamui-pass')

  beforeAll(async () => {
    server = await startFakeKamui({ latencyMs: 50, pass })
  })
  afterAll(async () => {
    await server?.stop()
    await Promise.all(workspaces.map(removeDir))
  })

  it('with --verbose, an oauth-token, an HTTP header secret and a stdio env secret', async () => {
    const workspace = await tempWorkspace('kamui-cli-secrets-')
    workspaces.push(workspace)
    const oauthToken = secret('oauth-token')
    const apiKey = secret('api-key')
    expect(server.pass).toBe(pass)
    const mcpConfig = JSON.stringify({
      mcpServers: {
        't2i-kamui-imagen4-fast': server.entry(),
        // A stale stdio entry that exits at once. Its key matches flux-schnell's server hint,
        // so it is started (and fails) before the tool is found on the HTTP server. It prints
        // its env secret to stderr, which ends up in the connection error.
        't2i-kamui-flux-schnell': {
          command: process.execPath,
          args: [
            '-e',
            'process.stderr.write("API_KEY=" + process.env.API_KEY + "\\n"); setTimeout(() => {}, 1)',
          ],
          env: { API_KEY: apiKey },
        },
      },
    })

    const run = await runKamui(
      [
        'image-generation-v2',
        '--image-prompt',
        'A bouquet of roses in morning light',
        '--folder-name',
        'out/secrets',
        '--branch-name',
        'main',
        '--oauth-token',
        oauthToken,
        '--mcp-config',
        mcpConfig,
        '--image-count',
        '2',
        '--models',
        'imagen4-fast,flux-schnell',
        '--seed',
        '11',
        '--verbose',
      ],
      { cwd: workspace },
    )

    // The dummy stdio server must not break the run: both tools live on the HTTP server.
    expect(run.code, run.stderr).toBe(0)
    expect(run.outputs['images-completed']).toBe('2')
    expect(JSON.parse(run.outputs['models-used'] as string)).toEqual([
      'imagen4-fast',
      'flux-schnell',
    ])
    expect(run.stderr).toMatch(/^debug: /m)
    // The dummy was started and failed; what it printed reached stderr only masked.
    expect(run.stderr).toContain('MCP server "t2i-kamui-flux-schnell" is skipped')
    expect(run.stderr).toContain('API_KEY=***')
    const submits = (await server.calls()).filter((c) => c.tool.endsWith('_submit'))
    expect(submits.map((c) => c.tool).sort()).toEqual([
      'flux_schnell_submit',
      'imagen4_fast_submit',
    ])

    const files = await listFiles(workspace)
    expect(files).toContain('out/secrets/metadata/generation-report.json')
    for (const value of [oauthToken, pass, apiKey]) {
      expect(run.stdout).not.toContain(value)
      expect(run.stderr).not.toContain(value)
      expect(await filesContaining(workspace, value)).toEqual([])
    }
  })
})
