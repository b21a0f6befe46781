import * as core from '@actions/core'
import { describe, expect, it, vi } from 'vitest'
import { Redactor } from '../../../src/core/redactor.js'
import { stageProgress } from '../../../src/runner/progress.js'

vi.mock('@actions/core', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@actions/core')>()),
  info: vi.fn(),
  startGroup: vi.fn(),
  endGroup: vi.fn(),
}))

const { actionProgress } = await import('../../../src/actions/shared/progress.js')

describe('progress in the Actions log', () => {
  it('opens one group per stage, prints its closing line inside it, and masks secrets', () => {
    const redactor = new Redactor()
    redactor.add('s3cr3t-token')
    const { hub, close } = actionProgress(redactor)
    const stage = stageProgress(hub, 'images', { total: 2, unit: 'images' })
    // A secret in a stage's display name never reaches the log.
    stageProgress(hub, 'other', { unit: 'jobs of s3cr3t-token' }).end()
    const job = stage.job('a', 'image 1 (m)')
    job.submitted()
    job.running('mcp-task', { message: 'working: key s3cr3t-token' })
    job.done(0.02)
    stage.job('b').reused()
    stage.end()
    close()
    // One group: the second stage started while the first one's group was open.
    expect(core.startGroup).toHaveBeenCalledTimes(1)
    expect(core.startGroup).toHaveBeenCalledWith('images: 2 planned')
    expect(core.endGroup).toHaveBeenCalledTimes(1)
    const infos = vi.mocked(core.info).mock.calls.map((c) => c[0])
    expect(infos.at(-1)).toMatch(/^images: 1 made, 0 failed, 1 reused in \d\.\d s · cost \$0\.02$/)
    expect(infos).toContain('jobs of ***')
    expect(infos.join('\n')).not.toContain('s3cr3t-token')
    // The closing line was written before the group closed.
    const closedAt = vi.mocked(core.endGroup).mock.invocationCallOrder[0] ?? 0
    const lastInfoAt = vi.mocked(core.info).mock.invocationCallOrder.at(-1) ?? 0
    expect(lastInfoAt).toBeLessThan(closedAt)
  })
})
