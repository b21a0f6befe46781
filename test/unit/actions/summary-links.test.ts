import { describe, expect, it } from 'vitest'
import { runCoordinates, summaryLinks } from '../../../src/actions/shared/summary-links.js'
import type { PublishResult } from '../../../src/output/publish/index.js'
import { costLine } from '../../../src/stages/image-generation/summary.js'
import { nestedLinks } from '../../../src/stages/pipeline/commands.js'

const base: PublishResult = {
  mode: 'none',
  committed: false,
  pushed: false,
  commit: null,
  branch: null,
  attempts: 0,
  artifact: null,
  skippedReason: 'publish is none',
}
const run = runCoordinates({
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'Octo/octo.github.io',
  GITHUB_RUN_ID: '7',
})

describe('summaryLinks', () => {
  it('links files at the pushed commit, and the Pages page of a folder under docs/', () => {
    const links = summaryLinks(
      { ...base, mode: 'commit', committed: true, pushed: true, commit: 'abc123', branch: 'r' },
      '/ws',
      '/ws/docs/runs/a b',
      run,
    )
    expect(links.published).toBe(true)
    expect(links.fileUrl?.('metadata/contact-sheet.png')).toBe(
      'https://github.com/Octo/octo.github.io/raw/abc123/docs/runs/a%20b/metadata/contact-sheet.png',
    )
    // A user site (<owner>.github.io) has no repository path.
    expect(links.pagesUrl).toBe('https://octo.github.io/runs/a%20b/')
  })

  it('gives no Pages page outside docs/ or on another server', () => {
    const pushed = { ...base, mode: 'commit' as const, pushed: true, commit: 'c', branch: 'r' }
    expect(summaryLinks(pushed, '/ws', '/ws/out', run).pagesUrl).toBeUndefined()
    const ghes = runCoordinates({
      GITHUB_SERVER_URL: 'https://git.example',
      GITHUB_REPOSITORY: 'o/r',
    })
    expect(summaryLinks(pushed, '/ws', '/ws/docs/x', ghes).pagesUrl).toBeUndefined()
  })

  it('links the uploaded artifact, by id when known', () => {
    const artifact = { ...base, mode: 'artifact' as const, artifact: { name: 'a', id: 99 } }
    expect(summaryLinks(artifact, '/ws', '/ws/out', run)).toEqual({
      artifactUrl: 'https://github.com/Octo/octo.github.io/actions/runs/7/artifacts/99',
    })
    const noId = { ...base, mode: 'artifact' as const, artifact: { name: 'a' } }
    expect(summaryLinks(noId, '/ws', '/ws/out', run).artifactUrl).toBe(
      'https://github.com/Octo/octo.github.io/actions/runs/7',
    )
  })

  it('names workspace paths when nothing was published, parentheses encoded for Markdown', () => {
    const links = summaryLinks(base, '/ws', '/ws/out/x (1)', run)
    expect(links.published).toBe(false)
    expect(links.fileUrl?.('metadata/contact-sheet.png')).toBe(
      'out/x%20%281%29/metadata/contact-sheet.png',
    )
  })
})

describe('nestedLinks (the image part of the pipeline summary)', () => {
  it('looks files up under the image subfolder of the published pipeline folder', () => {
    const pushed = { ...base, mode: 'commit' as const, pushed: true, commit: 'c1', branch: 'r' }
    const links = nestedLinks(summaryLinks(pushed, '/ws', '/ws/docs/mv', run), 'images run')
    expect(links.fileUrl?.('metadata/contact-sheet.png')).toBe(
      'https://github.com/Octo/octo.github.io/raw/c1/docs/mv/images%20run/metadata/contact-sheet.png',
    )
    expect(links.pagesUrl).toBe('https://octo.github.io/mv/')
    const artifact = { artifactUrl: 'https://x/artifacts/1' }
    expect(nestedLinks(artifact, 'images')).toBe(artifact)
  })
})

describe('costLine', () => {
  const cost = {
    max_cost_usd: null,
    estimated_usd: 0.1,
    actual_usd: 0.08,
    complete: true,
    billed_jobs: 2,
    unpriced_jobs: 0,
    refused_jobs: 0,
    prices: [],
    unknown_price_models: [],
  }
  it('shows estimated against actual, the budget and refused jobs', () => {
    expect(costLine(cost)).toBe('**Cost:** estimated $0.10 · actual $0.08.')
    expect(costLine({ ...cost, max_cost_usd: 0.1, refused_jobs: 3 })).toBe(
      '**Cost:** estimated $0.10 · actual $0.08 · budget $0.10 · 3 job(s) not submitted (COST_001).',
    )
  })
  it('says "not measured", never $0, for what is unknown', () => {
    expect(costLine(undefined)).toBe('**Cost:** not measured (this run kept no cost record).')
    expect(
      costLine({
        ...cost,
        estimated_usd: null,
        complete: false,
        unpriced_jobs: 2,
        unknown_price_models: ['photo_flux'],
      }),
    ).toBe(
      '**Cost:** estimated not measured · actual $0.08 for the priced jobs; 2 job(s) of unknown price (photo\\_flux) not measured.',
    )
  })
})
