import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGitFixture, type GitFixture } from '../publish/git-fixture.js'
import {
  hostileStdioEntry,
  startHostileHttp,
  type HostileHttp,
} from '../../fixtures/servers/hostile-start.js'
import { runKamui } from '../../helpers/run-kamui.js'
import { listFiles } from '../../helpers/workspace.js'

/**
 * Issue 14 §7: a full pipeline run (every stage, the web player's docs/ copy and the published
 * commit) with a hostile mcp-config whose servers echo every secret they were given, through
 * the real CLI process. Every secret is searched in stdout, stderr (debug lines included), the
 * outputs, every file of the workspace (docs/ included) and every blob and the message of the
 * published commit.
 */

const id = Math.random().toString(36).slice(2, 10)
const SECRETS = {
  oauth: `gho_oauth${id}0123456789`,
  argKey: `sk-live-arg-${id}`,
  argToken: `tok-arg-${id}`,
  envToken: `env-tok-${id}`,
  bearer: `bearer-${id}-xyz`,
  query: `qtok-${id}`,
  urlPass: `urlpw-${id}`,
}

describe('a full pipeline run with a hostile mcp-config', () => {
  let http: HostileHttp
  let fx: GitFixture
  beforeAll(async () => {
    http = await startHostileHttp()
    fx = await createGitFixture()
  })
  afterAll(async () => {
    await http?.stop()
    await fx?.dispose()
  })

  it('writes no secret to any log line, output, file, docs/ page or published blob', async () => {
    const workspace = await fx.clone('ws')
    const mcpConfig = JSON.stringify({
      mcpServers: {
        'imagen4-fast': hostileStdioEntry(
          [`--api-key=${SECRETS.argKey}`, '--token', SECRETS.argToken],
          { HOSTILE_TOKEN: SECRETS.envToken, FEATURE: 'true', SIZE: '1024', MODE: 'on' },
        ),
        remote: {
          type: 'http',
          url: `${http.base}/mcp?token=${SECRETS.query}`,
          headers: { Authorization: `Bearer ${SECRETS.bearer}` },
        },
        userinfo: {
          type: 'http',
          url: `${http.base.replace('//', `//admin:${SECRETS.urlPass}@`)}/mcp`,
        },
      },
    })
    const run = await runKamui(
      [
        'pipeline',
        '--concept',
        'A lighthouse at dusk, leak',
        '--folder-name',
        'out/run',
        '--image-count',
        '2',
        '--segment-count',
        '2',
        '--models',
        'imagen4-fast',
        '--depth-model',
        'luminance-heuristic',
        '--allow-bundled-ffmpeg',
        'true',
        '--mcp-config',
        mcpConfig,
        '--oauth-token',
        SECRETS.oauth,
        '--branch-name',
        'results',
        '--publish',
        'commit',
        '--verbose',
        '--json',
      ],
      { cwd: workspace, env: fx.env, timeoutMs: 280_000 },
    )
    expect(run.timedOut).toBe(false)
    expect(run.code, run.stderr.slice(-3000)).toBe(0)
    const outputs = JSON.parse(run.stdout) as Record<string, string>
    const stages = JSON.parse(outputs['stages-run'] as string) as {
      stage: string
      status: string
    }[]
    expect(stages.find((s) => s.stage === 'image')?.status).toBe('ok')
    expect(stages.find((s) => s.stage === 'web')?.status).toBe('ok')
    expect(outputs['google-image-url']).toBeDefined()

    const files = await listFiles(workspace)
    expect(files).toContain('docs/out/run/index.html')
    const tree = (await fx.git(fx.bare, 'ls-tree', '-r', '--name-only', 'results'))
      .split('\n')
      .filter((l) => l !== '')
    expect(tree).toContain('out/run/images/generated-image.png')
    const message = await fx.git(fx.bare, 'log', '-1', '--format=%B', 'results')

    for (const [name, secret] of Object.entries(SECRETS)) {
      expect(run.stdout.includes(secret), `${name} in stdout`).toBe(false)
      expect(run.stderr.includes(secret), `${name} in stderr`).toBe(false)
      expect(message.includes(secret), `${name} in the commit message`).toBe(false)
      for (const file of files) {
        if (file.startsWith('.git/')) continue
        const bytes = await readFile(path.join(workspace, file))
        expect(bytes.includes(Buffer.from(secret)), `${name} in ${file}`).toBe(false)
      }
      for (const blob of tree) {
        const bytes = await fx.readBlob(`results:${blob}`)
        expect(bytes.includes(Buffer.from(secret)), `${name} in published ${blob}`).toBe(false)
      }
    }
    // The servers did echo the secrets: the masked errors are there to be seen.
    expect(run.stderr).toMatch(/500 upstream failed; credentials: .*\*\*\*/)
  }, 300_000)
})
