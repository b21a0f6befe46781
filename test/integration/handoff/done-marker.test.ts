import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { KamuiError } from '../../../src/core/errors.js'
import { MemoryLogger } from '../../../src/core/logger.js'
import { Redactor } from '../../../src/core/redactor.js'
import {
  receiveHandoff,
  toDoneMarker,
  type HandoffResult,
} from '../../../src/output/handoff/consumer.js'
import { markerPath } from '../../../src/output/handoff/marker.js'
import {
  buildArtifactMetadata,
  describeArtifact,
  writeArtifactMetadata,
} from '../../../src/output/telemetry/artifacts.js'
import { runInfoFromEnv } from '../../../src/output/telemetry/run-info.js'
import { ARTIFACT_METADATA_FILE, type ArtifactMetadata } from '../../../src/contracts/telemetry.js'
import { verifyTelemetry } from '../../../src/output/telemetry/verify.js'
import { REPO_ROOT, runNode, TSX_LOADER_URL, type KamuiRun } from '../../helpers/run-kamui.js'
import { tempWorkspace } from '../../helpers/workspace.js'

/**
 * The done-marker handoff with a real producer process (test/fixtures/handoff/producer.ts):
 * it writes an image into a "ComfyUI output" folder in pieces, then marks it done (or not);
 * the consumer in this process waits for the marker and copies the image into a stage folder,
 * whose telemetry records the result.
 */

const PRODUCER = path.join(REPO_ROOT, 'test', 'fixtures', 'handoff', 'producer.ts')

/** A noisy PNG large enough that a half-written copy would differ (about 200 KB). */
async function samplePng(file: string): Promise<Buffer> {
  const png = await sharp({
    create: {
      width: 256,
      height: 256,
      channels: 3,
      background: '#3060a0',
      noise: { type: 'gaussian', mean: 128, sigma: 60 },
    },
  })
    .png()
    .toBuffer()
  await sharp(png).toFile(file)
  return png
}

function produce(from: string, file: string, flags: string[] = []): Promise<KamuiRun> {
  return runNode(['--import', TSX_LOADER_URL, PRODUCER, '--from', from, '--file', file, ...flags], {
    cwd: REPO_ROOT,
    timeoutMs: 30_000,
  })
}

async function setup(): Promise<{ shared: string; stage: string; source: string; png: Buffer }> {
  const root = await tempWorkspace('kamui-handoff-')
  const shared = path.join(root, 'comfyui-output')
  const stage = path.join(root, 'workspace', 'out', 'run')
  await mkdir(shared, { recursive: true })
  const source = path.join(root, 'source.png')
  return { shared, stage, source, png: await samplePng(source) }
}

/** Writes the stage telemetry for the handed-off image and verifies the folder. */
async function telemetryOf(stage: string, result: HandoffResult): Promise<ArtifactMetadata> {
  const artifact = await describeArtifact(stage, 'images/generated-image-1.png', {
    done_marker: toDoneMarker(result),
  })
  const record = buildArtifactMetadata({
    stage: 'image-generation-v2',
    run: runInfoFromEnv({}, new Date(Date.now() - 1000)),
    endedAt: new Date(),
    artifacts: [artifact],
  })
  await writeArtifactMetadata(stage, record, new Redactor())
  const verification = await verifyTelemetry(stage)
  expect(verification.problems).toEqual([])
  expect(verification.ok).toBe(true)
  return JSON.parse(
    await readFile(path.join(stage, ARTIFACT_METADATA_FILE), 'utf8'),
  ) as ArtifactMetadata
}

describe('done-marker handoff with a producer process', () => {
  it('detects the marker and copies the complete file, never a half-written one', async () => {
    const { shared, stage, source, png } = await setup()
    const file = path.join(shared, 'ComfyUI_00001_.png')
    const producer = produce(source, file, [
      '--chunks',
      '6',
      '--chunk-delay-ms',
      '80',
      '--start-delay-ms',
      '150',
    ])
    const result = await receiveHandoff({
      source: file,
      target: path.join(stage, 'images', 'generated-image-1.png'),
      timeoutMs: 20_000,
    })
    const run = await producer
    expect(run.code, run.stderr).toBe(0)
    expect(result.result).toBe('detected')
    expect(result.warning).toBeNull()
    // The producer needed ≥ 150 + 5 × 80 ms; the consumer waited for the marker, not the file.
    expect(result.waited_ms).toBeGreaterThanOrEqual(500)
    const copied = await readFile(path.join(stage, 'images', 'generated-image-1.png'))
    expect(copied.equals(png)).toBe(true)
    expect(result.sha256).toBe(createHash('sha256').update(png).digest('hex'))
    expect(await readdir(shared)).toEqual(['ComfyUI_00001_.png', 'ComfyUI_00001_.png.done'])

    const metadata = await telemetryOf(stage, result)
    expect(metadata.artifacts[0]?.done_marker).toEqual({
      result: 'detected',
      waited_ms: result.waited_ms,
      warning: null,
    })
  })

  it('detects the marker by polling alone when fs.watch is off', async () => {
    const { shared, stage, source, png } = await setup()
    const file = path.join(shared, 'ComfyUI_00002_.png')
    const producer = produce(source, file, ['--chunks', '3', '--start-delay-ms', '100'])
    const result = await receiveHandoff({
      source: file,
      target: path.join(stage, 'copy.png'),
      timeoutMs: 20_000,
      watch: false,
      pollIntervalMs: 50,
    })
    expect((await producer).code).toBe(0)
    expect(result.result).toBe('detected')
    expect((await readFile(path.join(stage, 'copy.png'))).equals(png)).toBe(true)
  })

  it('makes a forced copy with a telemetry warning when the marker never comes', async () => {
    const { shared, stage, source, png } = await setup()
    const file = path.join(shared, 'ComfyUI_00003_.png')
    // The producer finishes the file but never marks it (a workflow without the marker node).
    expect((await produce(source, file, ['--no-marker', '--chunks', '2'])).code).toBe(0)
    const logger = new MemoryLogger()
    const result = await receiveHandoff({
      source: file,
      target: path.join(stage, 'images', 'generated-image-1.png'),
      timeoutMs: 1_500,
      logger,
    })
    expect(result.result).toBe('forced_copy')
    expect(result.waited_ms).toBeGreaterThanOrEqual(1_500)
    expect(result.warning).toContain(
      `The done marker ${markerPath(file)} did not appear within 1500 ms; ${file} was copied ` +
        `without it (forced copy: ${png.length} bytes, last modified`,
    )
    expect(result.warning).toContain('it did not change during the copy')
    expect(logger.lines).toContainEqual({ level: 'warn', message: result.warning })
    expect((await readFile(path.join(stage, 'images', 'generated-image-1.png'))).equals(png)).toBe(
      true,
    )

    const metadata = await telemetryOf(stage, result)
    expect(metadata.artifacts[0]?.done_marker).toEqual({
      result: 'forced_copy',
      waited_ms: result.waited_ms,
      warning: result.warning,
    })
  })

  it('refuses a file that changed after it was marked done (GEN_002) and keeps no copy', async () => {
    const { shared, stage, source } = await setup()
    const file = path.join(shared, 'ComfyUI_00004_.png')
    expect((await produce(source, file, ['--tamper-after-marker'])).code).toBe(0)
    const target = path.join(stage, 'copy.png')
    const error = await receiveHandoff({ source: file, target, timeoutMs: 1_000 }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(KamuiError)
    expect((error as KamuiError).code).toBe('GEN_002')
    expect((error as KamuiError).message).toContain('changed after it was marked done')
    await expect(readFile(target)).rejects.toThrow(/ENOENT/)
  })

  it('fails with IMG_003 when neither the file nor the marker appears', async () => {
    const { shared, stage } = await setup()
    const file = path.join(shared, 'never.png')
    await expect(
      receiveHandoff({ source: file, target: path.join(stage, 'x.png'), timeoutMs: 300 }),
    ).rejects.toThrow(`IMG_003: Neither ${file} nor its done marker appeared within 300 ms.`)
  })

  it('stops waiting when the run is cancelled (RUN_001)', async () => {
    const { shared, stage } = await setup()
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    const started = Date.now()
    await expect(
      receiveHandoff({
        source: path.join(shared, 'never.png'),
        target: path.join(stage, 'x.png'),
        timeoutMs: 10_000,
        signal: controller.signal,
      }),
    ).rejects.toThrow(/^RUN_001/)
    expect(Date.now() - started).toBeLessThan(2_000)
  })
})
