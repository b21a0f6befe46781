import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { secretInput } from '../../../src/cli/main.js'
import { runKamui } from '../../helpers/run-kamui.js'
import { tempWorkspace } from '../../helpers/workspace.js'

describe('kamui: secret inputs without the secret in the process arguments', () => {
  it('reads --mcp-config @file, falls back to KAMUI_MCP_CONFIG, and keeps a literal value', async () => {
    const ws = await tempWorkspace('kamui-secret-input-')
    await writeFile(path.join(ws, 'mcp.json'), '{"mcpServers":{}}\n')
    const cwd = process.cwd()
    process.chdir(ws)
    try {
      expect(await secretInput('mcp-config', '@mcp.json', {})).toBe('{"mcpServers":{}}')
    } finally {
      process.chdir(cwd)
    }
    expect(await secretInput('mcp-config', '', { KAMUI_MCP_CONFIG: '{"a":1}' })).toBe('{"a":1}')
    expect(await secretInput('oauth-token', '', { KAMUI_OAUTH_TOKEN: 'tok' })).toBe('tok')
    expect(await secretInput('mcp-config', '{"b":2}', { KAMUI_MCP_CONFIG: '{"a":1}' })).toBe(
      '{"b":2}',
    )
    expect(await secretInput('mcp-config', '', {})).toBe('')
    await expect(secretInput('mcp-config', '@missing.json', {})).rejects.toThrow(
      /CFG_001: --mcp-config @missing\.json: the file .*missing\.json cannot be read/,
    )
  })

  it(
    'the CLI uses the file and the environment variable (a malformed config proves it was read)',
    { timeout: 60_000 },
    async () => {
      const ws = await tempWorkspace('kamui-secret-input-')
      await writeFile(path.join(ws, 'bad.json'), '{"mcpServers": [1, 2]}')
      const args = ['image-generation-v2', '--image-prompt', 'a fox', '--folder-name', 'out']
      const fromFile = await runKamui([...args, '--mcp-config', '@bad.json'], {
        cwd: ws,
        env: { KAMUI_MCP_CONFIG: undefined },
      })
      expect(fromFile.code).toBe(1)
      expect(fromFile.stderr).toMatch(/CFG_002/)
      const fromEnv = await runKamui(args, {
        cwd: ws,
        env: { KAMUI_MCP_CONFIG: '{"mcpServers": [1, 2]}' },
      })
      expect(fromEnv.code).toBe(1)
      expect(fromEnv.stderr).toMatch(/CFG_002/)
      const missing = await runKamui([...args, '--mcp-config', '@nope.json'], {
        cwd: ws,
        env: { KAMUI_MCP_CONFIG: undefined },
      })
      expect(missing.code).toBe(1)
      expect(missing.stderr).toMatch(/CFG_001: --mcp-config @nope\.json/)
    },
  )
})
