import { appendFile, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { JOURNAL_FILE } from '../../../src/contracts/journal.js'
import { verifyTelemetry } from '../../../src/output/telemetry/verify.js'
import { parseJournal } from '../../../src/runner/journal.js'
import { parseV2Inputs } from '../../../src/stages/image-generation/inputs.js'
import { runImageGeneration } from '../../../src/stages/image-generation/run.js'
import { testContext } from '../../helpers/stage-context.js'
import { tempWorkspace } from '../../helpers/workspace.js'

describe('the run journal of a v2 run on the preview server (issue 11)', () => {
  it('journals every job, is reused by a re-run, and is checked by verify-telemetry', async () => {
    const workspace = await tempWorkspace()
    const inputs = parseV2Inputs({
      'image-prompt': 'A red kite over a beach',
      'folder-name': 'out/run',
      'image-count': '2',
      models: 'preview',
      'generation-strategy': 'parallel',
      'image-size': '128x128',
    })
    const first = await runImageGeneration(inputs, testContext(workspace))
    const folder = path.join(workspace, 'out/run')
    const journalFile = path.join(folder, JOURNAL_FILE)
    const journal = parseJournal(await readFile(journalFile, 'utf8'))
    const events = (name: string) => journal.lines.filter((l) => l.event === name)
    expect(events('run')).toHaveLength(1)
    expect(events('planned')).toHaveLength(2)
    expect(events('submitted')).toHaveLength(2)
    expect(events('completed')).toHaveLength(2)
    // The preview server renders locally: a known price of $0 per job.
    expect(events('cost').map((l) => (l.event === 'cost' ? l.usd : undefined))).toEqual([0, 0])
    expect(events('output').map((l) => (l.event === 'output' ? l.file : ''))).toEqual(
      expect.arrayContaining(['images/generated-image-1.png', 'images/generated-image-2.png']),
    )
    // Each job's submitted line comes before its completed line.
    for (const done of events('completed')) {
      const at = journal.lines.indexOf(done)
      const submitted = journal.lines.findIndex(
        (l) => l.event === 'submitted' && 'key' in l && 'key' in done && l.key === done.key,
      )
      expect(submitted).toBeGreaterThanOrEqual(0)
      expect(submitted).toBeLessThan(at)
    }
    expect(first.report.generation_summary.jobs).toEqual({
      reused: 0,
      resumed: 0,
      new: 2,
      resubmitted: 0,
    })
    expect((await verifyTelemetry(folder)).problems).toEqual([])

    // No seed given: the re-run reuses the journalled base seed, so every job is reused.
    const second = await runImageGeneration(inputs, testContext(workspace))
    expect(second.report.request.base_seed).toBe(first.report.request.base_seed)
    expect(second.report.generation_summary.jobs).toEqual({
      reused: 2,
      resumed: 0,
      new: 0,
      resubmitted: 0,
    })
    expect((await verifyTelemetry(folder)).problems).toEqual([])

    // resume: false submits everything again.
    const fresh = await runImageGeneration(
      { ...inputs, resume: 'false', seed: first.report.request.base_seed },
      testContext(workspace),
    )
    expect(fresh.report.generation_summary.jobs).toEqual({
      reused: 0,
      resumed: 0,
      new: 2,
      resubmitted: 0,
    })

    // A changed output file and a line cut short are named by verify-telemetry.
    await writeFile(path.join(folder, 'images/generated-image-2.png'), 'not the image')
    await appendFile(journalFile, '{"v":1,"event":"comp')
    const problems = (await verifyTelemetry(folder)).problems
    expect(
      problems.some((p) => /journal\.jsonl: output images\/generated-image-2\.png: sha256/.test(p)),
    ).toBe(true)
    expect(problems.some((p) => /journal\.jsonl: the last line is cut short/.test(p))).toBe(true)
  }, 60_000)
})
