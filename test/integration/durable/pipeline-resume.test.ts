import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parsePipelineInputs } from '../../../src/stages/pipeline/inputs.js'
import { runPipeline } from '../../../src/stages/pipeline/run.js'
import { testContext } from '../../helpers/stage-context.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { journalLines, linesOf } from '../../helpers/kill-run.js'

describe('pipeline: resume and the job cache passed to every generating stage (issue 11)', () => {
  it('hands resume, cache-folder and cache-ttl-hours to the stages', () => {
    const p = parsePipelineInputs({
      concept: 'A lighthouse at dusk',
      'folder-name': 'out/run',
      resume: 'false',
      'cache-folder': 'jobs-cache',
      'cache-ttl-hours': '2',
    })
    const inputs = (r: { inputs?: unknown; error?: unknown }) => {
      if (!('inputs' in r)) throw r.error
      return r.inputs as { resume?: string; cache?: { cacheFolder: string; cacheTtlMs: number } }
    }
    for (const stage of [p.image, p.video, p.pointcloud]) {
      expect(inputs(stage)).toMatchObject({
        resume: 'false',
        cache: { cacheFolder: 'jobs-cache', cacheTtlMs: 2 * 3_600_000 },
      })
    }
    expect(inputs(p.keyframes)).toMatchObject({ resume: 'false', cacheFolder: 'jobs-cache' })
  })

  it(
    'a second preview run into the same folder plans no model job: every stage reuses what it made (journal, keyframes step cache)',
    { timeout: 300_000 },
    async () => {
      const workspace = await tempWorkspace('kamui-durable-pipeline-')
      try {
        const raw = {
          concept: 'A lighthouse at dusk',
          'folder-name': 'out/run',
          'image-count': '1',
          'segment-count': '2',
          stages: 'image,keyframes,video,pointcloud',
          'allow-bundled-ffmpeg': 'true',
          // Provenance embeds the run id: a frame taken from the keyframes step cache would
          // change its bytes, and with them the video jobs' keys.
          'embed-provenance': 'false',
        }
        const context = () => testContext(workspace, { env: { PATH: process.env['PATH'] } })
        const first = await runPipeline(raw, context())
        expect(first.runs.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok'])
        const journals = ['out/run', 'out/run/pointcloud'].map((f) =>
          path.join(workspace, f, 'metadata/journal.jsonl'),
        )
        const before = await Promise.all(journals.map(journalLines))
        expect(before.map((lines) => linesOf(lines, 'planned').length > 0)).toEqual([true, true])

        const second = await runPipeline(raw, context())
        expect(second.runs.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok'])
        const after = await Promise.all(journals.map(journalLines))
        for (const [i, lines] of after.entries()) {
          const rerun = lines.slice(before[i]?.length)
          expect(linesOf(rerun, 'planned')).toEqual([])
          expect(linesOf(rerun, 'submitted')).toEqual([])
        }
      } finally {
        await removeDir(workspace)
      }
    },
  )
})
