import { mkdir, mkdtemp, utimes, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isKamuiError } from '../../../src/core/errors.js'
import { jobStartedAt } from '../../../src/output/publish/index.js'
import { createGitFixture, type GitFixture } from '../publish/git-fixture.js'
import { Redactor } from '../../../src/core/redactor.js'
import { removeDir } from '../../helpers/workspace.js'

describe('publishing guards', () => {
  let fx: GitFixture
  beforeAll(async () => {
    fx = await createGitFixture()
  })
  afterAll(async () => {
    await fx.dispose()
  })

  const request = (workspace: string, since?: number) => ({
    workspace,
    folder: path.join(workspace, 'out'),
    branch: 'results',
    message: 'image-generation: results in out/',
    mode: 'commit' as const,
    stage: 'image-generation',
    ...(since !== undefined ? { since } : {}),
  })

  it('leaves out stale files of an earlier run in the same folder, naming them', async () => {
    const ws = await fx.clone('stale')
    await mkdir(path.join(ws, 'out/images'), { recursive: true })
    await writeFile(path.join(ws, 'out/images/old-run.png'), 'old')
    const past = new Date(Date.now() - 3600_000)
    await utimes(path.join(ws, 'out/images/old-run.png'), past, past)
    const since = Date.now() - 1000
    await writeFile(path.join(ws, 'out/images/generated-image.png'), 'new')
    const { publisher, logger } = fx.publisher()
    const result = await publisher.publish(request(ws, since))
    expect(result.pushed).toBe(true)
    const tree = await fx.git(fx.bare, 'ls-tree', '-r', '--name-only', 'results')
    expect(tree).toContain('out/images/generated-image.png')
    expect(tree).not.toContain('old-run.png')
    expect(logger.lines.map((l) => l.message).join('\n')).toMatch(
      /Not committed \(older than this job.*\): images\/old-run\.png/,
    )
  })

  it('names the file and the field that holds a secret, never the secret', async () => {
    const ws = await fx.clone('field')
    const secret = `sk-live-${Math.random().toString(36).slice(2)}`
    const redactor = new Redactor()
    redactor.add(secret)
    await mkdir(path.join(ws, 'out/metadata'), { recursive: true })
    await writeFile(
      path.join(ws, 'out/metadata/generation-report.json'),
      JSON.stringify({ images: [{ ok: true }, { error: `failed with ${secret}` }] }),
    )
    await writeFile(path.join(ws, 'out/notes.txt'), `a\nb\ntoken ${secret}\n`)
    const { publisher } = fx.publisher(redactor)
    const error = await publisher.publish(request(ws)).catch((e: unknown) => e)
    expect(isKamuiError(error)).toBe(true)
    const message = String((error as Error).message)
    expect(message).toContain('out/metadata/generation-report.json (field images[1].error)')
    expect(message).toContain('out/notes.txt (line 3)')
    expect(message).not.toContain(secret)
  })

  it('dates the job from the runner temp folder (emptied for each job)', async () => {
    const temp = await mkdtemp(path.join(os.tmpdir(), 'kamui-runner-temp-'))
    await mkdir(path.join(temp, '_runner_file_commands'))
    const past = new Date(Date.now() - 600_000)
    await utimes(path.join(temp, '_runner_file_commands'), past, past)
    const first = await jobStartedAt(temp)
    expect(first).toBeGreaterThan(Date.now() - 700_000)
    expect(first).toBeLessThanOrEqual(Date.now())
    // Later stages of the same job read the same time.
    expect(await jobStartedAt(temp)).toBe(first)
    expect(await jobStartedAt(undefined)).toBeUndefined()
    await removeDir(temp)
  })
})
