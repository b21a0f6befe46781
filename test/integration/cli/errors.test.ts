import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readdir } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runKamui, type KamuiRun } from '../../helpers/run-kamui.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'

/**
 * Failures of the `kamui` CLI: exit code 1 with `CODE: message` on stderr for bad inputs,
 * exit code 2 for usage errors, and nothing written anywhere.
 */

const roots: string[] = []
afterAll(async () => {
  await Promise.all(roots.map(removeDir))
})

/**
 * Runs the CLI in a fresh workspace `<root>/ws`, so that `../anything` lands in `<root>`, a
 * folder this test owns, and an escape would be visible there.
 */
async function runInFreshWorkspace(args: string[]): Promise<KamuiRun & { root: string }> {
  const root = await tempWorkspace('kamui-cli-err-')
  roots.push(root)
  const workspace = path.join(root, 'ws')
  await mkdir(workspace)
  const run = await runKamui(args, { cwd: workspace })
  // Nothing was written: the workspace is still empty (no files, no folders) and nothing
  // appeared next to it.
  expect(await readdir(workspace)).toEqual([])
  expect(await readdir(root)).toEqual(['ws'])
  return { ...run, root }
}

function v2(overrides: Record<string, string>, extra: string[] = []): string[] {
  const inputs: Record<string, string> = {
    'image-prompt': 'A red fox in snow',
    'folder-name': 'out/fox',
    ...overrides,
  }
  return [
    'image-generation-v2',
    ...Object.entries(inputs).flatMap(([k, v]) => [`--${k}`, v]),
    ...extra,
  ]
}

function expectFailure(run: KamuiRun, code: string): void {
  expect(run.timedOut).toBe(false)
  expect(run.code, run.stderr).toBe(1)
  expect(run.stderr).toContain(`${code}: `)
  expect(run.stdout).toBe('')
}

describe('kamui image-generation-v2: invalid inputs fail with a code and write nothing', () => {
  it.each(['0', '11', 'abc'])('--image-count %s → IMG_001', async (count) => {
    const run = await runInFreshWorkspace(v2({ 'image-count': count }))
    expectFailure(run, 'IMG_001')
    expect(run.stderr).toContain(`"${count}"`)
  })

  it('--models dall-e → IMG_002 listing the known aliases', async () => {
    const run = await runInFreshWorkspace(v2({ models: 'dall-e' }))
    expectFailure(run, 'IMG_002')
    expect(run.stderr).toContain('dall-e')
    for (const alias of ['imagen4-fast', 'imagen4-ultra', 'flux-schnell']) {
      expect(run.stderr).toContain(alias)
    }
  })

  it('malformed --mcp-config → CFG_002 without echoing any of the config text', async () => {
    const config =
      '{"mcpServers": {"x": {"type":"http","url":"http://127.0.0.1:9/mcp",' +
      '"headers":{"KAMUI-CODE-PASS":"s3cr3t-pass-value"}},}'
    const run = await runInFreshWorkspace(v2({ 'mcp-config': config }))
    expectFailure(run, 'CFG_002')
    const printed = run.stdout + run.stderr
    for (const fragment of [
      's3cr3t-pass-value',
      's3cr3t',
      'http://127.0.0.1:9/mcp',
      '127.0.0.1:9',
    ]) {
      expect(printed).not.toContain(fragment)
    }
    // No 6-character window of the config text appears, except inside the word mcpServers.
    const allowed = config.indexOf('mcpServers')
    const leaks: string[] = []
    for (let i = 0; i + 6 <= config.length; i++) {
      if (i >= allowed && i + 6 <= allowed + 'mcpServers'.length) continue
      const window = config.slice(i, i + 6)
      if (printed.includes(window)) leaks.push(window)
    }
    expect(leaks).toEqual([])
  })

  it('--folder-name ../outside → FS_001, nothing created next to the workspace', async () => {
    const run = await runInFreshWorkspace(v2({ 'folder-name': '../outside' }))
    expectFailure(run, 'FS_001')
    expect(existsSync(path.join(run.root, 'outside'))).toBe(false)
  })

  it('absolute --folder-name outside the workspace → FS_001, the folder is not created', async () => {
    const elsewhere = `/tmp/elsewhere-${randomBytes(6).toString('hex')}`
    try {
      const run = await runInFreshWorkspace(v2({ 'folder-name': elsewhere }))
      expectFailure(run, 'FS_001')
      expect(existsSync(elsewhere)).toBe(false)
    } finally {
      await removeDir(elsewhere)
    }
  })

  it("--image-prompt '' → IMG_009", async () => {
    const run = await runInFreshWorkspace(v2({ 'image-prompt': '' }))
    expectFailure(run, 'IMG_009')
  })
})

describe('kamui usage errors exit with 2 and write nothing', () => {
  it('an unknown flag', async () => {
    const run = await runInFreshWorkspace(v2({}, ['--no-such-flag', 'x']))
    expect(run.code, run.stderr).toBe(2)
    expect(run.stderr).toContain('--no-such-flag')
    expect(run.stdout).toBe('')
  })

  it('a flag without its value', async () => {
    const run = await runInFreshWorkspace([
      'image-generation-v2',
      '--folder-name',
      'o',
      '--image-prompt',
    ])
    expect(run.code, run.stderr).toBe(2)
    expect(run.stdout).toBe('')
  })

  it('an unknown subcommand', async () => {
    const run = await runInFreshWorkspace(['image-generation-v3', '--image-prompt', 'x'])
    expect(run.code, run.stderr).toBe(2)
    expect(run.stdout).toBe('')
  })

  it.each([
    ['--image-prompt', ['image-generation-v2', '--folder-name', 'out/fox']],
    ['--folder-name', ['image-generation-v2', '--image-prompt', 'A red fox']],
    ['--image-prompt', ['image-generation', '--folder-name', 'out/fox']],
  ])('a missing required flag (%s)', async (flag, args) => {
    const run = await runInFreshWorkspace(args)
    expect(run.code, run.stderr).toBe(2)
    expect(run.stderr).toContain(flag)
    expect(run.stdout).toBe('')
  })
})
