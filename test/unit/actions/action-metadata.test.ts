import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'
import { renderActionYml, ROOT_ACTION } from '../../../scripts/action-yml.js'
import {
  renderErrorTable,
  renderIoTables,
  renderModelsTable,
  renderUsesLines,
  type ModelRow,
} from '../../../scripts/docs.js'
import { releaseCoordinates, renderFile, usesFiles } from '../../../scripts/generated-docs.js'
import { ERROR_CODES, isTransientCode, type ErrorCode } from '../../../src/core/errors.js'
import { BUILTIN_MODELS } from '../../../src/models/builtin.js'
import { STAGE_COMMANDS } from '../../../src/commands.js'
import { pipelineCommand } from '../../../src/stages/pipeline/commands.js'
import { VERSION } from '../../../src/core/version.js'

const ROOT = path.resolve(import.meta.dirname, '../../..')

interface ActionYml {
  name: string
  description: string
  branding: { icon: string; color: string }
  inputs: Record<string, { description: string; required: boolean; default?: string }>
  outputs: Record<string, { description: string }>
  runs: { using: string; main: string }
}

describe.each(STAGE_COMMANDS.map((c) => [c.name, c] as const))('actions/%s', (name, command) => {
  const file = path.join(ROOT, 'actions', name, 'action.yml')
  const text = readFileSync(file, 'utf8')
  const yml = parse(text) as ActionYml

  it('is what the build renders from the stage spec (run npm run build when this fails)', () => {
    expect(text).toBe(renderActionYml(command, yml.name))
  })

  it('describes every input and output, has branding and runs its bundle on node24', () => {
    expect(Object.keys(yml.inputs)).toEqual(command.inputs.map((i) => i.name))
    for (const input of Object.values(yml.inputs))
      expect(input.description.length).toBeGreaterThan(10)
    for (const output of Object.values(yml.outputs))
      expect(output.description.length).toBeGreaterThan(10)
    expect(yml.branding).toEqual({ icon: 'image', color: 'purple' })
    expect(yml.runs.using).toBe('node24')
    expect(existsSync(path.resolve(ROOT, 'actions', name, yml.runs.main))).toBe(true)
  })

  it('has a README with the current input and output tables', () => {
    const readme = readFileSync(path.join(ROOT, 'actions', name, 'README.md'), 'utf8')
    expect(readme).toContain(renderIoTables(command))
    expect(readFileSync(path.join(ROOT, 'README.md'), 'utf8')).toContain(renderIoTables(command))
  })
})

describe('docs rendered from the code (run npm run build when this fails)', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8')

  it('the README models table is the built-in registry', () => {
    expect(readme).toContain(
      `<!-- BEGIN models -->\n${renderModelsTable(BUILTIN_MODELS as Record<string, ModelRow>)}\n<!-- END models -->`,
    )
    for (const alias of Object.keys(BUILTIN_MODELS)) expect(readme).toContain(`| \`${alias}\` |`)
  })

  it('the README error table lists every code of ERROR_CODES', () => {
    const table = renderErrorTable(ERROR_CODES, (code) => isTransientCode(code as ErrorCode))
    expect(readme).toContain(`<!-- BEGIN errors -->\n${table}\n<!-- END errors -->`)
    for (const code of Object.keys(ERROR_CODES)) expect(table).toContain(`| \`${code}\` |`)
  })

  it.each(usesFiles(ROOT))(
    'the uses: lines of %s name package.json repository and major',
    (rel) => {
      const text = readFileSync(path.join(ROOT, rel), 'utf8')
      expect(text).toBe(renderFile(ROOT, rel, text))
    },
  )

  it('the uses: lines are rendered from one place', () => {
    const { slug, major } = releaseCoordinates(ROOT)
    expect(readme).toContain(`uses: ${slug}/actions/image-generation-v2@v${major}`)
    expect(readme).toContain(`uses: ${slug}@v${major}`)
    expect(readme).not.toMatch(/OWNER\//)
    expect(renderUsesLines('uses: a/b/actions/keyframes@v0', 'x/y', 3, ['keyframes'])).toBe(
      'uses: x/y/actions/keyframes@v3',
    )
    expect(renderUsesLines('uses: actions/checkout@v4', 'x/y', 3, ['keyframes'])).toBe(
      'uses: actions/checkout@v4',
    )
  })
})

it('the root action.yml is the pipeline the build renders', () => {
  const text = readFileSync(path.join(ROOT, 'action.yml'), 'utf8')
  expect(text).toBe(renderActionYml(pipelineCommand, ROOT_ACTION.title, ROOT_ACTION))
  expect(existsSync(path.join(ROOT, ROOT_ACTION.main))).toBe(true)
})

describe('legacy interfaces (SPEC §4)', () => {
  it('image-generation keeps exactly the five legacy inputs and the three outputs', () => {
    const yml = parse(
      readFileSync(path.join(ROOT, 'actions/image-generation/action.yml'), 'utf8'),
    ) as ActionYml
    expect(Object.keys(yml.inputs)).toEqual([
      'image-prompt',
      'folder-name',
      'branch-name',
      'oauth-token',
      'mcp-config',
    ])
    expect(Object.keys(yml.outputs)).toEqual(['image-completed', 'google-image-url', 'used-model'])
  })

  it('image-generation-v2 has the v1 inputs plus the SPEC §5 inputs and every v2 output', () => {
    const yml = parse(
      readFileSync(path.join(ROOT, 'actions/image-generation-v2/action.yml'), 'utf8'),
    ) as ActionYml
    expect(Object.keys(yml.inputs)).toEqual(
      expect.arrayContaining([
        'image-prompt',
        'folder-name',
        'branch-name',
        'oauth-token',
        'mcp-config',
        'image-count',
        'models',
        'generation-strategy',
        'enable-comparison',
        'quality-threshold',
        'max-parallel',
        'per-image-timeout',
        'total-timeout',
      ]),
    )
    expect(yml.inputs['image-count']?.default).toBe('1')
    expect(yml.inputs['models']?.default).toBe('auto')
    expect(yml.inputs['generation-strategy']?.default).toBe('smart')
    expect(yml.inputs['quality-threshold']?.default).toBe('0.7')
    expect(yml.inputs['max-parallel']?.default).toBe('3')
    expect(yml.inputs['per-image-timeout']?.default).toBe('300')
    expect(yml.inputs['total-timeout']?.default).toBe('1800')
    expect(Object.keys(yml.outputs)).toEqual([
      'image-completed',
      'google-image-url',
      'used-model',
      'images-completed',
      'image-urls',
      'models-used',
      'generation-report',
      'quality-scores',
      'primary-image-index',
      'warnings',
    ])
  })
})

it('the version in reports is the package version', () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    version: string
  }
  expect(VERSION).toBe(pkg.version)
})
