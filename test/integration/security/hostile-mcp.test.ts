import { mkdir, readdir, readFile, symlink } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { isKamuiError } from '../../../src/core/errors.js'
import { setDefaultNetworkPolicy } from '../../../src/core/http.js'
import { registerSecretInput } from '../../../src/providers/mcp/config.js'
import { parseV2Inputs } from '../../../src/stages/image-generation/inputs.js'
import { v2Outputs } from '../../../src/stages/image-generation/outputs.js'
import { runImageGeneration } from '../../../src/stages/image-generation/run.js'
import { writeBombPng } from '../../fixtures/servers/hostile-bomb.js'
import {
  hostileStdioEntry,
  startHostileHttp,
  type HostileHttp,
} from '../../fixtures/servers/hostile-start.js'
import { logText, testContext } from '../../helpers/stage-context.js'
import { filesContaining, listFiles, removeDir, tempWorkspace } from '../../helpers/workspace.js'

const id = Math.random().toString(36).slice(2, 10)
/** Every credential the hostile servers are given, in every form the issue names. */
const SECRETS = {
  argKey: `sk-live-arg-${id}`,
  argToken: `tok-arg-${id}`,
  envToken: `env-tok-${id}`,
  bearer: `bearer-${id}-xyz`,
  query: `qtok-${id}`,
  urlPass: `urlpw-${id}`,
}
const NOT_SECRETS = { FEATURE: 'true', SIZE: '1024', MODE: 'on' }

let http: HostileHttp
beforeAll(async () => {
  http = await startHostileHttp()
})
afterAll(async () => {
  await http.stop()
})
afterEach(() => {
  setDefaultNetworkPolicy({ allowPrivate: true })
})

function hostileConfig(server: 'stdio' | 'http', extraEnv: Record<string, string> = {}): string {
  const stdio = hostileStdioEntry([`--api-key=${SECRETS.argKey}`, '--token', SECRETS.argToken], {
    HOSTILE_TOKEN: SECRETS.envToken,
    ...NOT_SECRETS,
    ...extraEnv,
  })
  const remote = {
    type: 'http',
    url: `${http.base}/mcp?token=${SECRETS.query}`,
    headers: { Authorization: `Bearer ${SECRETS.bearer}` },
  }
  // Node's fetch refuses URLs with credentials: this server fails with its URL in the error.
  const userinfo = {
    type: 'http',
    url: `${http.base.replace('//', `//admin:${SECRETS.urlPass}@`)}/mcp`,
  }
  return JSON.stringify({
    mcpServers:
      server === 'stdio'
        ? { 'imagen4-fast': stdio, userinfo }
        : { 'imagen4-fast': remote, userinfo },
  })
}

async function run(prompt: string, server: 'stdio' | 'http', extra: Record<string, string> = {}) {
  const workspace = await tempWorkspace('kamui-hostile-')
  const context = testContext(workspace)
  const mcpConfig = hostileConfig(server, extra)
  // What the action adapter does with the secret input before the stage runs.
  registerSecretInput(context.redactor, 'mcp-config', mcpConfig, context.env)
  const inputs = parseV2Inputs({
    'image-prompt': prompt,
    'folder-name': 'out/run',
    'image-count': '3',
    models: 'imagen4-fast',
    'image-size': '256x256',
    'mcp-config': mcpConfig,
    'max-parallel': '1',
  })
  const outcome = await runImageGeneration(inputs, context).then(
    (result) => ({ result, error: undefined }),
    (error: unknown) => ({ result: undefined, error }),
  )
  return { workspace, context, ...outcome }
}

async function expectNoSecret(workspace: string, texts: Record<string, string>): Promise<void> {
  for (const [name, secret] of Object.entries(SECRETS)) {
    for (const [where, text] of Object.entries(texts)) {
      expect(text.includes(secret), `${name} in ${where}`).toBe(false)
    }
    expect(await filesContaining(workspace, secret), name).toEqual([])
  }
}

describe.each(['stdio', 'http'] as const)(
  'a hostile %s MCP server that echoes secrets',
  (server) => {
    it('never gets a secret into a log line, an output or a file; true / 1024 / on stay intact', async () => {
      const { workspace, context, result, error } = await run('a red square, leak', server)
      expect(error).toBeUndefined()
      const outputs = v2Outputs(result!, workspace)
      const masked = Object.fromEntries(
        Object.entries(outputs).map(([k, v]) => [k, context.redactor.maskOutput(v)]),
      )
      expect(Number(outputs['images-completed'])).toBeGreaterThan(0)
      // The failed submits echoed every secret; their errors are in the warnings and the report.
      expect(outputs['warnings']).toMatch(/500 upstream failed/)
      await expectNoSecret(workspace, {
        log: logText(context.logger),
        outputs: JSON.stringify(outputs),
        masked: JSON.stringify(masked),
      })
      // Values that are not credentials are never masked: outputs and JSON files stay intact.
      expect(masked['image-completed']).toBe('true')
      expect(masked).toEqual(outputs)
      for (const value of Object.values(NOT_SECRETS)) {
        expect(context.redactor.contains(value), value).toBe(false)
      }
      for (const file of (await listFiles(workspace)).filter((f) => f.endsWith('.json'))) {
        JSON.parse(await readFile(path.join(workspace, file), 'utf8'))
      }
      await removeDir(workspace)
    }, 60_000)
  },
)

describe('model-controlled results', () => {
  it('never lets a URI with quotes, $(…), backticks or a newline reach an output or a .txt file', async () => {
    const { workspace, result, error } = await run('evil-uri please', 'stdio')
    expect(error).toBeUndefined()
    const outputs = v2Outputs(result!, workspace)
    const texts = [
      outputs['google-image-url'] as string,
      outputs['image-urls'] as string,
      await readFile(path.join(workspace, 'out/run/google-image-url.txt'), 'utf8'),
    ]
    for (const text of texts) {
      for (const bad of ['$(', '`', "'", '::warning::', '\r']) expect(text).not.toContain(bad)
    }
    expect(texts[2]?.split('\n')).toEqual(['', ''])
    expect(outputs['google-image-url']).toBe('')
    await removeDir(workspace)
  }, 60_000)

  it('refuses a 16000×16000 PNG from its header (GEN_002), with nothing decoded', async () => {
    const dir = await tempWorkspace('kamui-bomb-')
    const bomb = path.join(dir, 'bomb.png')
    await writeBombPng(bomb, 16000, 16000)
    const started = performance.now()
    const { workspace, error } = await run('bomb', 'stdio', { HOSTILE_BOMB_FILE: bomb })
    expect(isKamuiError(error, 'GEN_002'), String(error)).toBe(true)
    expect(String(error)).toMatch(/16000×16000 image, above the limit of \d+ pixels/)
    expect(performance.now() - started).toBeLessThan(30_000)
    await removeDir(dir)
    await removeDir(workspace)
  }, 60_000)

  it('refuses a result URL on a loopback address unless private targets are allowed (NET_001)', async () => {
    setDefaultNetworkPolicy({ allowPrivate: false })
    const { workspace, error } = await run('loopback', 'stdio')
    expect(isKamuiError(error), String(error)).toBe(true)
    expect(String(error)).toMatch(/NET_001: refusing to download from http:\/\/127\.0\.0\.1/)
    setDefaultNetworkPolicy({ allowPrivate: true })
    const allowed = await run('loopback', 'stdio')
    expect(allowed.error).toBeUndefined()
    await removeDir(workspace)
    await removeDir(allowed.workspace)
  }, 60_000)
})

describe('a stdio server that cannot start', () => {
  it('fails the model it serves at once, without retries or models nobody asked for', async () => {
    const workspace = await tempWorkspace('kamui-broken-')
    const context = testContext(workspace)
    const mcpConfig = JSON.stringify({
      mcpServers: {
        'flux-schnell': { command: '/nonexistent/kamui-no-such-server' },
        other: hostileStdioEntry([], {}),
      },
    })
    const error = await runImageGeneration(
      parseV2Inputs({
        'image-prompt': 'x',
        'folder-name': 'out',
        'mcp-config': mcpConfig,
        models: 'flux-schnell',
        'image-count': '2',
      }),
      context,
    ).catch((e: unknown) => e)
    expect(isKamuiError(error), String(error)).toBe(true)
    expect(String(error)).toMatch(/could not be started \(ENOENT\)/)
    const log = logText(context.logger)
    expect(log).not.toMatch(/Falling back/)
    expect(log).not.toMatch(/submitted to "other"/)
    await removeDir(workspace)
  }, 60_000)
})

describe('the workspace boundary in a stage', () => {
  it('refuses a folder-name through a symlink outside the workspace with FS_001, writing nothing', async () => {
    const workspace = await tempWorkspace('kamui-link-')
    const outside = await tempWorkspace('kamui-outside-')
    await symlink(outside, path.join(workspace, 'results'))
    await mkdir(path.join(workspace, 'other'))
    const error = await runImageGeneration(
      parseV2Inputs({ 'image-prompt': 'x', 'folder-name': 'results/run' }),
      testContext(workspace),
    ).catch((e: unknown) => e)
    expect(isKamuiError(error, 'FS_001'), String(error)).toBe(true)
    expect(await readdir(outside)).toEqual([])
    await removeDir(workspace)
    await removeDir(outside)
  })
})
