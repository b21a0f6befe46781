import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createGitFixture, type GitFixture } from '../publish/git-fixture.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'

/**
 * Issue 16 §3: the job summary of an action run (the real `@actions/core`, GITHUB_STEP_SUMMARY
 * set to a file) holds the prompt, the contact sheet (an image at the pushed commit when the
 * results are published to a branch, else a link to the file) and the cost line.
 */

const { runAction } = await import('../../../src/actions/shared/run-action.js')
const { imageGenerationV2Command } =
  await import('../../../src/stages/image-generation/commands.js')

const PROMPT = 'A red | fox *under* [the] moon'

function stubInputs(values: Record<string, string>): void {
  for (const [name, value] of Object.entries(values))
    vi.stubEnv(`INPUT_${name.toUpperCase()}`, value)
}

describe('the job summary of image-generation-v2', () => {
  let fx: GitFixture
  const temps: string[] = []
  beforeAll(async () => {
    fx = await createGitFixture()
  })
  afterAll(async () => {
    await fx.dispose()
    await Promise.all(temps.map(removeDir))
  })
  afterEach(() => {
    vi.unstubAllEnvs()
    process.exitCode = undefined
  })

  /**
   * The summary file, emptied. One file for the whole test file: `core.summary` keeps the
   * path it first read from GITHUB_STEP_SUMMARY.
   */
  let summaryPath: string | undefined
  async function summaryFile(): Promise<string> {
    if (!summaryPath) {
      const dir = await tempWorkspace('kamui-summary-')
      temps.push(dir)
      summaryPath = path.join(dir, 'summary.md')
    }
    const dir = path.dirname(summaryPath)
    await writeFile(summaryPath, '')
    await writeFile(path.join(dir, 'output.txt'), '')
    vi.stubEnv('GITHUB_STEP_SUMMARY', summaryPath)
    vi.stubEnv('GITHUB_OUTPUT', path.join(dir, 'output.txt'))
    return summaryPath
  }

  it('shows the contact sheet as an image at the pushed commit, the prompt and the cost', async () => {
    const summary = await summaryFile()
    const workspace = await fx.clone('ws-commit')
    for (const [name, value] of Object.entries(fx.env)) vi.stubEnv(name, value)
    vi.stubEnv('GITHUB_WORKSPACE', workspace)
    vi.stubEnv('GITHUB_SERVER_URL', 'https://github.com')
    vi.stubEnv('GITHUB_REPOSITORY', 'octo/media')
    vi.stubEnv('GITHUB_RUN_ID', '42')
    stubInputs({
      'image-prompt': PROMPT,
      'folder-name': 'docs/runs/fox',
      'image-count': '2',
      'image-size': '64x64',
      publish: 'commit',
      'branch-name': 'results',
      'quality-scorer': 'none',
    })
    await runAction(imageGenerationV2Command)
    expect(process.exitCode).not.toBe(1)
    const text = await readFile(summary, 'utf8')
    const commit = (await fx.git(fx.bare, 'rev-parse', 'results')).trim()
    expect(commit).toMatch(/^[0-9a-f]{40}$/)
    expect(text).toContain('**Prompt:** A red \\| fox \\*under\\* \\[the\\] moon')
    expect(text).toContain(
      `![Contact sheet](https://github.com/octo/media/raw/${commit}/docs/runs/fox/metadata/contact-sheet.png)`,
    )
    // The sheet is really in the pushed commit at that path.
    const sheet = await fx.readBlob(`${commit}:docs/runs/fox/metadata/contact-sheet.png`)
    expect(sheet.subarray(1, 4).toString()).toBe('PNG')
    expect(text).toMatch(/\*\*Cost:\*\* estimated \$0\.00 · actual \$0\.00/)
    expect(text).toContain(
      `[Report](https://github.com/octo/media/raw/${commit}/docs/runs/fox/metadata/generation-report.json)`,
    )
    expect(text).toContain('[Pages](https://octo.github.io/media/runs/fox/)')
    expect(text).toContain(
      '**PREVIEW output:** All images are drawn offline by the preview renderer',
    )
    expect(text).toMatch(/\| 1 \(primary\) \| preview:imagen4-fast \| ok \|/)
  }, 120_000)

  it('links the contact sheet in the results folder when nothing is published', async () => {
    const summary = await summaryFile()
    const workspace = await tempWorkspace('kamui-summary-ws-')
    temps.push(workspace)
    vi.stubEnv('GITHUB_WORKSPACE', workspace)
    stubInputs({
      'image-prompt': PROMPT,
      'folder-name': 'out/fox (1)',
      'image-count': '1',
      'image-size': '64x64',
      publish: 'none',
      'quality-scorer': 'none',
    })
    await runAction(imageGenerationV2Command)
    expect(process.exitCode).not.toBe(1)
    const text = await readFile(summary, 'utf8')
    expect(text).toContain('**Prompt:** A red \\| fox')
    expect(text).toContain(
      'Contact sheet: [metadata/contact-sheet.png](out/fox%20%281%29/metadata/contact-sheet.png)',
    )
    expect(text).toMatch(/\*\*Cost:\*\* estimated \$0\.00 · actual \$0\.00/)
    expect(text).toContain('Not published:')
  }, 120_000)
})
