import * as core from '@actions/core'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { hostileStdioEntry } from '../../fixtures/servers/hostile-start.js'
import { filesContaining, removeDir, tempWorkspace } from '../../helpers/workspace.js'

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

/**
 * The action adapter (core.setSecret, core.setOutput) with a hostile stdio server whose
 * mcp-config holds credentials in its arguments and env, next to env values that are not
 * credentials (`true`, `1024`, `on`).
 */
describe('the action adapter masks credentials only', () => {
  const id = Math.random().toString(36).slice(2, 10)
  const argKey = `sk-live-arg-${id}`
  const envToken = `env-tok-${id}`
  let workspace: string
  beforeAll(async () => {
    workspace = await tempWorkspace('kamui-action-mask-')
  })
  afterAll(async () => {
    await removeDir(workspace)
  })
  beforeEach(() => {
    vi.clearAllMocks()
    vi.stubEnv('GITHUB_WORKSPACE', workspace)
  })

  it('hands core.setSecret no boolean, number or short word, and keeps every output intact', async () => {
    const mcpConfig = JSON.stringify({
      mcpServers: {
        'imagen4-fast': hostileStdioEntry([`--api-key=${argKey}`], {
          HOSTILE_TOKEN: envToken,
          FEATURE: 'true',
          SIZE: '1024',
          MODE: 'on',
        }),
      },
    })
    const values: Record<string, string> = {
      'image-prompt': 'a red square, leak',
      'folder-name': 'out',
      'mcp-config': mcpConfig,
      models: 'imagen4-fast',
      'image-count': '2',
      'image-size': '256x256',
    }
    vi.mocked(core.getInput).mockImplementation((name) => values[name] ?? '')
    await run()
    expect(core.setFailed).not.toHaveBeenCalled()
    const masked = vi.mocked(core.setSecret).mock.calls.map((c) => String(c[0]))
    expect(masked).toEqual(expect.arrayContaining([argKey, envToken]))
    for (const plain of ['true', '1024', 'on', 'out', 'imagen4-fast']) {
      expect(masked, plain).not.toContain(plain)
    }
    const outputs = Object.fromEntries(
      vi.mocked(core.setOutput).mock.calls.map((c) => [c[0], String(c[1])]),
    )
    expect(outputs['image-completed']).toBe('true')
    for (const name of ['image-urls', 'models-used', 'quality-scores', 'warnings']) {
      expect(() => JSON.parse(outputs[name] as string), name).not.toThrow()
    }
    expect(outputs['warnings']).toMatch(/--api-key=\*\*\*/)
    for (const text of Object.values(outputs)) {
      expect(text).not.toContain(argKey)
      expect(text).not.toContain(envToken)
    }
    expect(await filesContaining(workspace, argKey)).toEqual([])
    expect(await filesContaining(workspace, envToken)).toEqual([])
  }, 60_000)
})
