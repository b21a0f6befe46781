import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { hostileStdioEntry } from '../../fixtures/servers/hostile-start.js'
import { KAMUI_CLI_ENTRY, TSX_LOADER_URL } from '../../helpers/run-kamui.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'

describe('cancellation', () => {
  it('writes the report when a second SIGTERM follows the first after 20 ms', async () => {
    const workspace = await tempWorkspace('kamui-cancel-')
    const child = spawn(
      process.execPath,
      [
        '--import',
        TSX_LOADER_URL,
        KAMUI_CLI_ENTRY,
        'image-generation-v2',
        '--image-prompt',
        'a slow lighthouse',
        '--folder-name',
        'out',
        '--models',
        'imagen4-fast',
        '--image-count',
        '2',
        '--mcp-config',
        // A stdio server that ignores the end of its stdin: closing it takes 2 s, during which
        // the second signal arrives.
        JSON.stringify({ mcpServers: { 'imagen4-fast': hostileStdioEntry(['--linger'], {}) } }),
        '--verbose',
      ],
      { cwd: workspace, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stderr = ''
    const submitted = new Promise<void>((resolve) => {
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk
        if (/submitted to/.test(stderr)) resolve()
      })
    })
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    )
    await submitted
    child.kill('SIGTERM')
    await new Promise((resolve) => setTimeout(resolve, 20))
    // Still writing what it has: the second signal reaches a running process.
    expect(child.exitCode).toBeNull()
    expect(child.kill('SIGTERM')).toBe(true)
    const { code, signal } = await exited
    expect(signal, stderr.slice(-2000)).toBeNull()
    expect(code).toBe(1)
    expect(stderr).toMatch(/RUN_001/)
    const report = path.join(workspace, 'out/metadata/generation-report.json')
    expect(existsSync(report), stderr.slice(-2000)).toBe(true)
    expect(JSON.stringify(JSON.parse(await readFile(report, 'utf8')))).toMatch(/RUN_001|cancel/i)
    await removeDir(workspace)
  }, 90_000)
})
