import { existsSync } from 'node:fs'
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { PNG } from 'pngjs'
import { MemoryLogger } from '../../../src/core/logger.js'
import { ArtifactMetadataSchema } from '../../../src/contracts/telemetry.js'
import {
  checkProducer,
  completeStageFolder,
  STAGE_DONE_MARKER,
} from '../../../src/output/handoff/stage-folder.js'
import { verifyTelemetry } from '../../../src/output/telemetry/verify.js'
import { parseV2Inputs } from '../../../src/stages/image-generation/inputs.js'
import { runImageGeneration } from '../../../src/stages/image-generation/run.js'
import { parsePointcloudInputs } from '../../../src/stages/pointcloud-generation/inputs.js'
import { runPointcloudGeneration } from '../../../src/stages/pointcloud-generation/run.js'
import { logText, testContext } from '../../helpers/stage-context.js'
import { listFiles, tempWorkspace } from '../../helpers/workspace.js'

/** A stage folder as another stage left it: an image and a telemetry file, no done marker. */
async function unmarkedStageFolder(workspace: string, name: string): Promise<string> {
  const folder = path.join(workspace, name)
  await mkdir(path.join(folder, 'images'), { recursive: true })
  await mkdir(path.join(folder, 'metadata'), { recursive: true })
  const png = new PNG({ width: 8, height: 6 })
  png.data.fill(200)
  await writeFile(path.join(folder, 'images', 'generated-image.png'), PNG.sync.write(png))
  await writeFile(path.join(folder, 'metadata', 'artifact-metadata.json'), '{"stage":"x"}\n')
  return folder
}

async function stageRecord(
  folder: string,
): Promise<ReturnType<typeof ArtifactMetadataSchema.parse>> {
  const text = await readFile(path.join(folder, 'metadata', 'artifact-metadata.json'), 'utf8')
  return ArtifactMetadataSchema.parse(JSON.parse(text))
}

describe('the done-marker handoff between stage folders', () => {
  it('detects a completed producer folder, and is not applicable outside stage folders', async () => {
    const workspace = await tempWorkspace()
    const folder = await unmarkedStageFolder(workspace, 'made')
    const marker = await completeStageFolder(folder)
    expect(path.relative(folder, marker).split(path.sep).join('/')).toBe(STAGE_DONE_MARKER)
    // The marker is a directory (no stray file among the stage's outputs) naming the hash.
    expect(await listFiles(folder)).toEqual([
      'images/generated-image.png',
      'metadata/artifact-metadata.json',
    ])
    expect((await readdir(marker))[0]).toMatch(/^sha256-[0-9a-f]{64}$/)
    const input = path.join(folder, 'images', 'generated-image.png')
    expect(await checkProducer(input, { workspace, timeoutMs: 100 })).toMatchObject({
      result: 'detected',
      producer: 'made',
      reason: null,
    })
    await writeFile(path.join(workspace, 'loose.png'), 'x')
    expect(await checkProducer(path.join(workspace, 'loose.png'), { workspace })).toMatchObject({
      result: 'not_applicable',
      producer: null,
      waited_ms: null,
    })
  })

  it('waits for a marker that comes late, and forces on when it never comes or is stale', async () => {
    const workspace = await tempWorkspace()
    const folder = await unmarkedStageFolder(workspace, 'late')
    const input = path.join(folder, 'images', 'generated-image.png')
    setTimeout(() => void completeStageFolder(folder), 150)
    const late = await checkProducer(input, { workspace, timeoutMs: 3000, pollIntervalMs: 20 })
    expect(late.result).toBe('detected')
    expect(late.waited_ms).toBeGreaterThanOrEqual(100)

    const missing = await unmarkedStageFolder(workspace, 'missing')
    const logger = new MemoryLogger()
    const started = Date.now()
    const forced = await checkProducer(path.join(missing, 'images', 'generated-image.png'), {
      workspace,
      timeoutMs: 200,
      logger,
    })
    expect(Date.now() - started).toBeLessThan(2000)
    expect(forced).toMatchObject({ result: 'forced', producer: 'missing' })
    expect(forced.reason).toMatch(/did not appear within 200 ms/)
    expect(logger.lines.some((l) => l.level === 'warn' && l.message === forced.reason)).toBe(true)

    await writeFile(path.join(folder, 'metadata', 'artifact-metadata.json'), '{"changed":1}\n')
    const stale = await checkProducer(input, { workspace, timeoutMs: 100 })
    expect(stale.result).toBe('forced')
    expect(stale.reason).toMatch(/changed after its done marker/)
  })

  it('stages record detected, forced and not applicable in their telemetry', async () => {
    const workspace = await tempWorkspace()
    // A first stage: not applicable, and it marks its folder done.
    const images = await runImageGeneration(
      parseV2Inputs({ 'image-prompt': 'a red kite', 'folder-name': 'run', 'image-count': '1' }),
      testContext(workspace),
    )
    const imageRecord = await stageRecord(images.folder)
    expect(imageRecord.done_marker).toMatchObject({ result: 'not_applicable', producer: null })
    expect(imageRecord.done_marker?.reason).toMatch(/first stage/)
    expect(existsSync(path.join(images.folder, STAGE_DONE_MARKER))).toBe(true)

    // Its consumer finds the marker.
    const detected = await runPointcloudGeneration(
      parsePointcloudInputs({
        'input-image-path': 'run/images/generated-image.png',
        'output-folder': 'run/pointcloud',
        'depth-model': 'luminance-heuristic',
      }),
      testContext(workspace),
    )
    const detectedRecord = await stageRecord(detected.folder)
    expect(detectedRecord.done_marker).toMatchObject({ result: 'detected', producer: 'run' })
    expect((await verifyTelemetry(detected.folder)).problems).toEqual([])

    // A producer folder without its marker: the consumer waits, then forces on with a warning.
    await unmarkedStageFolder(workspace, 'unfinished')
    const context = testContext(workspace, { handoffTimeoutMs: 200 })
    const forced = await runPointcloudGeneration(
      parsePointcloudInputs({
        'input-image-path': 'unfinished/images/generated-image.png',
        'output-folder': 'cloud',
        'depth-model': 'luminance-heuristic',
      }),
      context,
    )
    const forcedRecord = await stageRecord(forced.folder)
    expect(forcedRecord.done_marker).toMatchObject({ result: 'forced', producer: 'unfinished' })
    expect(forcedRecord.done_marker?.waited_ms).toBeGreaterThanOrEqual(150)
    expect(logText(context.logger)).toMatch(
      /unfinished\/metadata\/artifact-metadata\.json\.done did not appear/,
    )
    expect((await verifyTelemetry(forced.folder)).problems).toEqual([])
  })
})
