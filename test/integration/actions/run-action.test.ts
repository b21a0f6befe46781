import * as core from '@actions/core'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { startFakeKamui, type FakeKamuiHandle } from '../../fixtures/servers/start-fake-kamui.js'
import { filesContaining, tempWorkspace } from '../../helpers/workspace.js'

vi.mock('@actions/core', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@actions/core')>()
  const summary = { addRaw: vi.fn().mockReturnThis(), write: vi.fn().mockResolvedValue(undefined) }
  return {
    ...actual,
    getInput: vi.fn(),
    setOutput: vi.fn(),
    setFailed: vi.fn(),
    setSecret: vi.fn(),
    info: vi.fn(),
    warning: vi.fn(),
    debug: vi.fn(),
    error: vi.fn(),
    summary,
  }
})

const { run } = await import('../../../src/actions/image-generation-v2/main.js')

describe('the image-generation-v2 action entry', () => {
  let server: FakeKamuiHandle
  const oauth = `oauth-${Math.random().toString(36).slice(2)}`
  const apiKey = `key-${Math.random().toString(36).slice(2)}`
  let workspace: string
  beforeAll(async () => {
    server = await startFakeKamui({ latencyMs: 50 })
  })
  afterAll(async () => {
    await server.stop()
  })
  beforeEach(async () => {
    vi.clearAllMocks()
    workspace = await tempWorkspace()
    vi.stubEnv('GITHUB_WORKSPACE', workspace)
  })

  function inputs(values: Record<string, string>): void {
    vi.mocked(core.getInput).mockImplementation((name) => values[name] ?? '')
  }

  it('masks oauth-token and every header and env value of mcp-config, in logs, outputs and files', async () => {
    const mcpConfig = JSON.stringify({
      mcpServers: {
        'imagen4-fast': server.entry(),
        helper: { command: 'definitely-not-a-command', env: { API_KEY: apiKey } },
      },
    })
    inputs({
      'image-prompt': `roses ${oauth}`,
      'folder-name': 'out',
      'oauth-token': oauth,
      'mcp-config': mcpConfig,
      models: 'imagen4-fast',
      'image-size': '128x128',
    })
    await run()
    expect(core.setFailed).not.toHaveBeenCalled()
    const masked = vi.mocked(core.setSecret).mock.calls.map((c) => c[0])
    expect(masked).toEqual(expect.arrayContaining([oauth, server.pass, apiKey, mcpConfig]))
    const calls: unknown[][] = [
      core.info,
      core.warning,
      core.debug,
      core.error,
      core.setOutput,
    ].flatMap((fn) => (fn as unknown as { mock: { calls: unknown[][] } }).mock.calls)
    const logged = calls.map((args) => args.map(String).join(' ')).join('\n')
    for (const secret of [oauth, server.pass, apiKey]) {
      expect(logged).not.toContain(secret)
      expect(await filesContaining(workspace, secret)).toEqual([])
    }
    expect(core.setOutput).toHaveBeenCalledWith('images-completed', '1')
  })

  it('fails the step with the code and a message that does not echo the secret', async () => {
    inputs({
      'image-prompt': 'roses',
      'folder-name': 'out',
      'mcp-config':
        `{"mcpServers": {"k": {"url": "http://x", "headers": {"KAMUI-CODE-PASS": "${apiKey}"}}}`.slice(
          0,
          -1,
        ),
    })
    await run()
    const message = String(vi.mocked(core.setFailed).mock.calls[0]?.[0])
    expect(message).toMatch(/^CFG_002: /)
    expect(message).not.toContain(apiKey)
    expect(core.setOutput).not.toHaveBeenCalled()
  })
})
