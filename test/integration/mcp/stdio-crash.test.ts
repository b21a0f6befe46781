import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { KamuiError } from '../../../src/core/errors.js'
import { silentLogger } from '../../../src/core/logger.js'
import { Redactor } from '../../../src/core/redactor.js'
import { parseMcpConfig } from '../../../src/providers/mcp/config.js'
import { McpPool } from '../../../src/providers/mcp/pool.js'
import { connectServer } from '../../../src/providers/mcp/connect.js'
import type { McpProviderContext } from '../../../src/providers/mcp/types.js'
import { isAlive } from '../../fixtures/servers/everything.js'

/**
 * A minimal newline-delimited JSON-RPC stdio server that crashes on `tools/call`, writing its
 * env secret to stderr first.
 */
const CRASHING_SERVER = `
const rl = require('node:readline').createInterface({ input: process.stdin })
const send = (m) => process.stdout.write(JSON.stringify(m) + '\\n')
process.stderr.write('starting\\n')
rl.on('line', (line) => {
  const m = JSON.parse(line)
  if (m.method === 'initialize') {
    send({ jsonrpc: '2.0', id: m.id, result: { protocolVersion: m.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'crash', version: '1' } } })
  } else if (m.method === 'tools/list') {
    send({ jsonrpc: '2.0', id: m.id, result: { tools: [{ name: 'boom', inputSchema: { type: 'object' } }] } })
  } else if (m.method === 'tools/call') {
    process.stderr.write('FATAL: upstream refused key ' + process.env.FAL_KEY + '\\n', () => process.exit(3))
  }
})
`

describe('a stdio server that crashes mid-call', () => {
  it('gives retryable MCP_001 with the redacted stderr tail, then restarts it', async () => {
    const ctx: McpProviderContext = {
      logger: silentLogger,
      redactor: new Redactor(),
      env: { MY_FAL_KEY: 'fal-very-secret' },
    }
    const servers = parseMcpConfig(
      JSON.stringify({
        mcpServers: {
          crashy: {
            command: process.execPath,
            args: ['-e', CRASHING_SERVER],
            env: { FAL_KEY: '${MY_FAL_KEY}' },
          },
        },
      }),
      ctx,
    )
    const pool = new McpPool(servers, ctx)
    try {
      const location = await pool.findTool('boom')
      for (let round = 0; round < 2; round++) {
        const error = await pool.callTool(location, {}).catch((e: unknown) => e)
        expect(error).toBeInstanceOf(KamuiError)
        const k = error as KamuiError
        expect(k.code).toBe('MCP_001')
        expect(k.retryable).toBe(true)
        expect(k.message).toContain('MCP server "crashy"')
        expect(k.message).toContain('FATAL: upstream refused key ***')
        expect(k.message).not.toContain('fal-very-secret')
      }
    } finally {
      await pool.close()
    }
  })
})

describe('a stdio server that never answers the handshake', () => {
  it('is stopped (even when it ignores SIGTERM) before the timeout is reported', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kamui-mcp-'))
    const pidFile = path.join(dir, 'pid')
    const script =
      "require('node:fs').writeFileSync(process.argv[1], String(process.pid));" +
      "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"
    try {
      const ctx: McpProviderContext = { logger: silentLogger, redactor: new Redactor(), env: {} }
      const started = Date.now()
      const error = await connectServer(
        'silent',
        { kind: 'stdio', command: process.execPath, args: ['-e', script, pidFile], env: {} },
        ctx,
        undefined,
        { timeoutMs: 1500 },
      ).catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 'MCP_001', retryable: true })
      expect((error as KamuiError).message).toContain(
        'did not complete the MCP handshake within 1.5 s',
      )
      const pid = Number(await readFile(pidFile, 'utf8'))
      expect(isAlive(pid)).toBe(false)
      expect(Date.now() - started).toBeLessThan(6000)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
