import { describe, expect, it } from 'vitest'
import { isKamuiError } from '../../../src/core/errors.js'
import { MemoryLogger } from '../../../src/core/logger.js'
import { Redactor } from '../../../src/core/redactor.js'
import { publishStageResults } from '../../../src/output/publish/from-inputs.js'
import { classifyPushFailure } from '../../../src/output/publish/git-publisher.js'
import { stripUrlCredentials } from '../../../src/output/publish/git-runner.js'
import {
  PUBLISH_INPUTS,
  parsePublishMode,
  publishResults,
  publishSummaryLine,
} from '../../../src/output/publish/publish.js'
import {
  PUBLISH_ERROR_CODE,
  skippedResult,
  type PublishRequest,
  type PublishResult,
  type Publisher,
} from '../../../src/output/publish/types.js'

function fakePublisher(kind: 'commit' | 'artifact', unavailable: string | null = null) {
  const calls: PublishRequest[] = []
  const publisher: Publisher = {
    unavailableReason: async () => unavailable,
    publish: async (request) => {
      calls.push(request)
      return { ...skippedResult('x'), mode: kind, skippedReason: null, attempts: 1 }
    },
  }
  return { calls, publisher }
}

const request = (mode: PublishRequest['mode'], branch = 'results/x'): PublishRequest => ({
  workspace: '/w',
  folder: '/w/out',
  branch,
  message: 'm',
  mode,
  stage: 'image-generation',
})

function deps(inActions: boolean, gitUnavailable: string | null = null) {
  const git = fakePublisher('commit', gitUnavailable)
  const artifact = fakePublisher('artifact')
  const logger = new MemoryLogger()
  return {
    git,
    artifact,
    logger,
    deps: {
      git: git.publisher,
      artifact: artifact.publisher,
      logger,
      redactor: new Redactor(),
      inActions,
    },
  }
}

describe('publishResults', () => {
  it('runs the publisher the mode names', async () => {
    const d = deps(true)
    expect((await publishResults(request('commit'), d.deps)).mode).toBe('commit')
    expect((await publishResults(request('artifact'), d.deps)).mode).toBe('artifact')
    expect(d.git.calls).toHaveLength(1)
    expect(d.artifact.calls).toHaveLength(1)
  })

  it('publishes nothing with none, and logs why', async () => {
    const d = deps(true)
    const result = await publishResults(request('none'), d.deps)
    expect(result).toEqual(skippedResult('publish is "none"'))
    expect(d.git.calls.length + d.artifact.calls.length).toBe(0)
    expect(d.logger.lines).toEqual([
      { level: 'info', message: 'Results not published: publish is "none".' },
    ])
  })

  it('auto commits only in Actions, with a branch, in a repository with origin', async () => {
    const cases: [boolean, string, string | null, RegExp | null][] = [
      [true, 'results/x', null, null],
      [false, 'results/x', null, /not running in GitHub Actions/],
      [true, '  ', null, /branch-name is empty/],
      [true, 'results/x', 'the repository has no "origin" remote', /no "origin" remote/],
    ]
    for (const [inActions, branch, unavailable, skipped] of cases) {
      const d = deps(inActions, unavailable)
      const result = await publishResults(request('auto', branch), d.deps)
      if (skipped === null) {
        expect(result.mode).toBe('commit')
        expect(d.git.calls).toHaveLength(1)
      } else {
        expect(result.mode).toBe('none')
        expect(result.skippedReason).toMatch(skipped)
        expect(d.git.calls).toHaveLength(0)
      }
      expect(d.artifact.calls).toHaveLength(0)
    }
  })

  it('refuses artifact outside GitHub Actions', async () => {
    const d = deps(false)
    const error = await publishResults(request('artifact'), d.deps).catch((e: unknown) => e)
    expect(isKamuiError(error, 'CFG_001')).toBe(true)
    expect(d.artifact.calls).toHaveLength(0)
  })
})

describe('parsePublishMode', () => {
  it('accepts the four modes, true / false and empty', () => {
    expect(parsePublishMode('auto')).toBe('auto')
    expect(parsePublishMode(' Commit ')).toBe('commit')
    expect(parsePublishMode('ARTIFACT')).toBe('artifact')
    expect(parsePublishMode('none')).toBe('none')
    expect(parsePublishMode('')).toBe('auto')
    expect(parsePublishMode('true')).toBe('commit')
    expect(parsePublishMode('False')).toBe('none')
    const error = (() => {
      try {
        return parsePublishMode('push')
      } catch (e) {
        return e
      }
    })()
    expect(isKamuiError(error, 'CFG_001')).toBe(true)
    expect(String(error)).toMatch(/auto, commit, artifact, none/)
  })
})

describe('PUBLISH_INPUTS', () => {
  it('declares publish (default auto) and artifact-name (default empty)', () => {
    expect(PUBLISH_INPUTS.map((i) => [i.name, i.default, i.required ?? false])).toEqual([
      ['publish', 'auto', false],
      ['artifact-name', '', false],
    ])
    for (const mode of ['auto', 'commit', 'artifact', 'none']) {
      expect(PUBLISH_INPUTS[0]?.description).toContain(`"${mode}"`)
    }
  })
})

describe('publishSummaryLine', () => {
  it('describes a push, an upload and a skip', () => {
    const pushed: PublishResult = {
      mode: 'commit',
      committed: true,
      pushed: true,
      commit: '0123456789abcdef0123',
      branch: 'results/x',
      attempts: 2,
      artifact: null,
      skippedReason: null,
    }
    expect(publishSummaryLine(pushed)).toBe(
      'Published: commit `0123456789ab` pushed to `results/x` (after 2 attempts).',
    )
    expect(
      publishSummaryLine({ ...skippedResult('x'), mode: 'artifact', artifact: { name: 'a' } }),
    ).toBe('Published: artifact `a`.')
    expect(publishSummaryLine(skippedResult('publish is "none"'))).toBe(
      'Not published: publish is "none".',
    )
  })
})

describe('classifyPushFailure', () => {
  const out = (stdout: string, stderr = '') => ({ exitCode: 1, stdout, stderr })
  it('retries with a rebase when another job pushed first', () => {
    expect(
      classifyPushFailure(out('To x\n!\tHEAD:refs/heads/r\t[rejected] (fetch first)\nDone\n')),
    ).toBe('rejected')
    expect(classifyPushFailure(out('!\tabc:refs/heads/r\t[rejected] (non-fast-forward)\n'))).toBe(
      'rejected',
    )
    expect(
      classifyPushFailure(out('!\tabc:refs/heads/r\t[remote rejected] (failed to update ref)\n')),
    ).toBe('rejected')
    expect(
      classifyPushFailure(
        out("!\tabc:refs/heads/r\t[remote rejected] (cannot lock ref 'refs/heads/r')\n"),
      ),
    ).toBe('rejected')
  })
  it('retries as is on connection failures', () => {
    expect(
      classifyPushFailure(out('', 'fatal: unable to access: Could not resolve host: github.com')),
    ).toBe('transient')
    expect(
      classifyPushFailure(
        out('', 'error: RPC failed; HTTP 502 curl 22 The requested URL returned error: 502'),
      ),
    ).toBe('transient')
  })
  it('fails at once on permissions, protected branches, hooks and unknown errors', () => {
    expect(
      classifyPushFailure(
        out(
          '',
          "remote: Permission to o/r.git denied to github-actions[bot].\nfatal: unable to access 'https://github.com/o/r/': The requested URL returned error: 403",
        ),
      ),
    ).toBe('fatal')
    expect(
      classifyPushFailure(
        out('!\tabc:refs/heads/main\t[remote rejected] (protected branch hook declined)\n'),
      ),
    ).toBe('fatal')
    expect(
      classifyPushFailure(
        out('!\tabc:refs/heads/r\t[remote rejected] (pre-receive hook declined)\n'),
      ),
    ).toBe('fatal')
    expect(
      classifyPushFailure(out('', "fatal: 'origin' does not appear to be a git repository")),
    ).toBe('fatal')
  })
})

describe('stripUrlCredentials', () => {
  it('removes user and password from URLs', () => {
    expect(
      stripUrlCredentials(
        "fatal: unable to access 'https://x-access-token:ghs_abc@github.com/o/r/'",
      ),
    ).toBe("fatal: unable to access 'https://***@github.com/o/r/'")
    expect(PUBLISH_ERROR_CODE).toMatch(/^(PUB|GEN)_001$/)
  })
})

describe('publishStageResults', () => {
  const base = {
    stage: 'image-generation-v2',
    workspace: '/w',
    folder: '/w/music-video-1',
    logger: new MemoryLogger(),
    redactor: new Redactor(),
  }
  it('reads publish, artifact-name and branch-name from the inputs', async () => {
    const git = fakePublisher('commit')
    const artifact = fakePublisher('artifact')
    const publishers = { git: git.publisher, artifact: artifact.publisher }
    await publishStageResults({
      ...base,
      raw: { publish: 'commit', 'branch-name': ' results/x ', 'artifact-name': '' },
      inActions: false,
      publishers,
    })
    expect(git.calls).toEqual([
      {
        workspace: '/w',
        folder: '/w/music-video-1',
        branch: 'results/x',
        message: 'image-generation-v2: results in music-video-1/',
        mode: 'commit',
        stage: 'image-generation-v2',
      },
    ])
    await publishStageResults({
      ...base,
      raw: { publish: 'artifact', 'branch-name': '', 'artifact-name': 'pics' },
      inActions: true,
      publishers,
    })
    expect(artifact.calls[0]).toMatchObject({ mode: 'artifact', artifactName: 'pics' })
  })

  it('uses defaultMode (auto) when the stage has no publish input, as the legacy v1 action', async () => {
    const git = fakePublisher('commit')
    const publishers = { git: git.publisher, artifact: fakePublisher('artifact').publisher }
    const raw = { 'branch-name': 'results/x' }
    expect((await publishStageResults({ ...base, raw, inActions: true, publishers })).mode).toBe(
      'commit',
    )
    const off = await publishStageResults({
      ...base,
      raw,
      inActions: true,
      publishers,
      defaultMode: 'none',
    })
    expect(off.mode).toBe('none')
    expect(git.calls).toHaveLength(1)
  })
})
