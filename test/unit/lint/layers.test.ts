import { execFile } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { ESLint } from 'eslint'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../../helpers/run-kamui.js'

/**
 * The layer rules of eslint.config.mjs (docs/architecture.md): library folders do not import
 * @actions/*, read process.env / process.argv, or import a higher layer. Proven the way
 * `npm run lint` (`eslint .`) runs: in a temporary copy of the config with planted files, and on
 * the tree itself.
 */

const ESLINT_BIN = path.join(REPO_ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js')
const LAYER_RULES = new Set([
  'no-restricted-imports',
  'no-restricted-properties',
  'no-restricted-syntax',
])

interface LintRun {
  code: number
  /** Messages of the layer rules by file (relative to the copy, `/` separators). */
  byFile: Map<string, string[]>
}

/** Runs `eslint . --format json` in `cwd` (the CLI `npm run lint` runs). */
function runEslint(cwd: string): Promise<LintRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [ESLINT_BIN, '.', '--format', 'json'],
      { cwd, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
        if (code !== 0 && code !== 1) {
          reject(new Error(`eslint exited with ${code}: ${stderr}`))
          return
        }
        const results = JSON.parse(stdout) as ESLint.LintResult[]
        const byFile = new Map<string, string[]>()
        for (const result of results) {
          const rel = path.relative(cwd, result.filePath).split(path.sep).join('/')
          const layer = result.messages.filter((m) => m.ruleId && LAYER_RULES.has(m.ruleId))
          if (layer.length > 0)
            byFile.set(
              rel,
              layer.map((m) => `${m.ruleId}: ${m.message}`),
            )
        }
        resolve({ code, byFile })
      },
    )
  })
}

/** Planted files: each breaks one rule, in a library folder at a different depth. */
const VIOLATIONS: Record<string, { code: string; rule: string; says: string }> = {
  'src/media/planted-env.ts': {
    code: 'export const home = process.env.HOME\n',
    rule: 'no-restricted-properties',
    says: 'process.env',
  },
  'src/media/video/planted-argv.ts': {
    code: 'export const args = process.argv.slice(2)\n',
    rule: 'no-restricted-properties',
    says: 'process.env / process.argv',
  },
  'src/providers/mcp/planted-actions.ts': {
    code: "import * as core from '@actions/core'\nexport const input = core.getInput('prompt')\n",
    rule: 'no-restricted-imports',
    says: '@actions/*',
  },
  'src/core/planted-upward.ts': {
    code: "import type { RunInfo } from '../output/telemetry/run-info.js'\nexport type Run = RunInfo\n",
    rule: 'no-restricted-imports',
    says: 'src/core is below',
  },
  'src/media/video/planted-upward.ts': {
    code: "import { McpPool } from '../../providers/mcp/pool.js'\nexport const Pool = McpPool\n",
    rule: 'no-restricted-imports',
    says: 'src/media is below',
  },
  'src/output/web/planted-upward.ts': {
    code: "import { GenerationReportSchema } from '../../stages/image-generation/report.js'\nexport const Schema = GenerationReportSchema\n",
    rule: 'no-restricted-imports',
    says: 'src/output is below',
  },
  'src/providers/gpu/planted-cycle.ts': {
    code: "import type { ComfyClient } from '../comfyui/client.js'\nexport type Client = ComfyClient\n",
    rule: 'no-restricted-imports',
    says: 'providers/gpu may import no other providers/ folder',
  },
  'src/providers/mcp/planted-level.ts': {
    code: "import type { ImageProvider } from '../image/provider.js'\nexport type Provider = ImageProvider\n",
    rule: 'no-restricted-imports',
    says: 'providers/mcp may import gpu/, not',
  },
  'src/stages/keyframes/story/planted-stage.ts': {
    code: "import { runImageGeneration } from '../../image-generation/run.js'\nexport const run = runImageGeneration\n",
    rule: 'no-restricted-imports',
    says: 'does not import another stage',
  },
}

/** Planted files that keep to the rules (adapters, downward and same-layer imports). */
const ALLOWED: Record<string, string> = {
  'src/cli/planted-ok.ts':
    "import * as core from '@actions/core'\nexport const both = [core, process.env.HOME, process.argv]\n",
  'src/commands.ts': 'export const args = process.argv\n',
  'src/media/video/planted-ok.ts':
    "import { KamuiError } from '../../core/errors.js'\nimport { drawText } from '../raster/font.js'\nexport const both = [KamuiError, drawText]\n",
  'src/providers/comfyui/planted-ok.ts':
    "import type { GpuReading } from '../gpu/types.js'\nimport type { GpuMemory } from '../../contracts/telemetry.js'\nexport type Both = [GpuReading, GpuMemory]\n",
  'src/stages/pipeline/planted-ok.ts':
    "import { runImageGeneration } from '../image-generation/run.js'\nexport const run = runImageGeneration\n",
}

async function plant(dir: string, files: Record<string, string>): Promise<void> {
  for (const [rel, code] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true })
    await writeFile(path.join(dir, rel), code)
  }
}

describe('layer rules of eslint.config.mjs', () => {
  let copy: string

  beforeAll(async () => {
    // Inside the repository, so that the copied config resolves its plugins from node_modules.
    await mkdir(path.join(REPO_ROOT, '.tmp'), { recursive: true })
    copy = await mkdtemp(path.join(REPO_ROOT, '.tmp', 'lint-layers-'))
    await copyFile(path.join(REPO_ROOT, 'eslint.config.mjs'), path.join(copy, 'eslint.config.mjs'))
  })

  afterAll(async () => {
    await rm(copy, { recursive: true, force: true })
  })

  it('passes a copy holding only allowed imports and adapter reads', async () => {
    await plant(copy, ALLOWED)
    const run = await runEslint(copy)
    expect(Object.fromEntries(run.byFile)).toEqual({})
    expect(run.code).toBe(0)
  }, 60_000)

  it('fails (exit code 1) on each planted process.env/argv read, @actions import and upward import', async () => {
    await plant(
      copy,
      Object.fromEntries(Object.entries(VIOLATIONS).map(([rel, v]) => [rel, v.code])),
    )
    const run = await runEslint(copy)
    expect(run.code).toBe(1)
    for (const [rel, violation] of Object.entries(VIOLATIONS)) {
      const messages = run.byFile.get(rel) ?? []
      expect(messages, rel).toHaveLength(1)
      expect(messages[0], rel).toContain(`${violation.rule}: `)
      expect(messages[0], rel).toContain(violation.says)
    }
    for (const rel of Object.keys(ALLOWED)) expect(run.byFile.get(rel), rel).toBeUndefined()
  }, 60_000)

  it('catches the side doors: destructured env, node:process, globalThis.process, import()', async () => {
    const eslint = new ESLint({ cwd: REPO_ROOT })
    const cases: [string, string, string][] = [
      [
        'src/runner/x.ts',
        'const { env } = process\nexport const e = env\n',
        'no-restricted-properties',
      ],
      [
        'src/runner/x.ts',
        "import { env } from 'node:process'\nexport const e = env\n",
        'no-restricted-imports',
      ],
      ['src/quality/x.ts', 'export const a = globalThis.process.argv\n', 'no-restricted-syntax'],
      [
        'src/output/web/x.ts',
        "export const load = () => import('../../stages/pipeline/run.js')\n",
        'no-restricted-syntax',
      ],
      [
        'src/models/x.ts',
        "export const load = () => import('@actions/core')\n",
        'no-restricted-syntax',
      ],
      [
        'src/stages/video-generation/x.ts',
        "export { PUBLISH_INPUTS } from '../../output/publish/publish.js'\n",
        'no-restricted-imports',
      ],
    ]
    for (const [filePath, code, rule] of cases) {
      const [result] = await eslint.lintText(code, { filePath })
      expect(
        result?.messages.map((m) => m.ruleId),
        `${filePath}: ${code}`,
      ).toEqual([rule])
    }
  }, 60_000)

  it('covers every folder and file directly under src/', async () => {
    const config = (await import(
      pathToFileURL(path.join(REPO_ROOT, 'eslint.config.mjs')).href
    )) as {
      LAYERS: string[]
      ADAPTER_DIRS: string[]
      ADAPTER_FILES: string[]
    }
    // Every TypeScript file's first path segment below src/ (empty leftover folders do not count).
    const sources = (await readdir(path.join(REPO_ROOT, 'src'), { recursive: true }))
      .map((rel) => rel.split(path.sep))
      .filter((parts) => parts.at(-1)?.endsWith('.ts'))
    const dirs = [...new Set(sources.filter((p) => p.length > 1).map((p) => p[0] as string))]
    const files = sources.filter((p) => p.length === 1).map((p) => (p[0] as string).slice(0, -3))
    expect(dirs.filter((d) => ![...config.LAYERS, ...config.ADAPTER_DIRS].includes(d))).toEqual([])
    expect(files.filter((f) => !config.ADAPTER_FILES.includes(f))).toEqual([])
  })

  it('finds no layer violation in the tree', async () => {
    const eslint = new ESLint({ cwd: REPO_ROOT })
    const results = await eslint.lintFiles(['src'])
    const violations = results.flatMap((r) =>
      r.messages
        .filter((m) => m.ruleId && LAYER_RULES.has(m.ruleId))
        .map((m) => `${path.relative(REPO_ROOT, r.filePath)}:${m.line} ${m.message}`),
    )
    expect(violations).toEqual([])
  }, 180_000)
})
