import { createHash } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Redactor } from '../../../src/core/redactor.js'
import {
  buildArtifactMetadata,
  describeArtifact,
  mediaTypeOf,
  TelemetryContractError,
  writeArtifactMetadata,
} from '../../../src/output/telemetry/artifacts.js'
import { runInfoFromEnv } from '../../../src/output/telemetry/run-info.js'
import { ArtifactMetadataSchema } from '../../../src/contracts/telemetry.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'

let folder: string
beforeEach(async () => {
  folder = await tempWorkspace('kamui-telemetry-')
})
afterEach(async () => {
  await removeDir(folder)
})

async function png(rel: string, width: number, height: number): Promise<Buffer> {
  const bytes = await sharp({
    create: { width, height, channels: 3, background: { r: 10, g: 120, b: 200 } },
  })
    .png()
    .toBuffer()
  await mkdir(path.dirname(path.join(folder, rel)), { recursive: true })
  await writeFile(path.join(folder, rel), bytes)
  return bytes
}

const run = runInfoFromEnv({}, new Date('2025-11-13T09:30:00.000Z'), {
  commit: '0123456789abcdef0123456789abcdef01234567',
})

describe('describeArtifact', () => {
  it('hashes the file, takes its size and media type, and measures a PNG', async () => {
    const bytes = await png('images/generated-image-1.png', 64, 48)
    const artifact = await describeArtifact(folder, 'images/generated-image-1.png')
    expect(artifact).toMatchObject({
      path: 'images/generated-image-1.png',
      sha256: createHash('sha256').update(bytes).digest('hex'),
      bytes: bytes.byteLength,
      media_type: 'image/png',
      width: 64,
      height: 48,
      frames: null,
      duration_s: null,
      model: null,
      attempts: 0,
      retries: 0,
      errors: [],
      gpu_memory: null,
      done_marker: null,
      cost: null,
      preview: false,
    })
    expect(artifact.timings).toEqual({
      queue_wait_ms: null,
      generation_ms: null,
      download_ms: null,
      total_ms: null,
    })
  })

  it('writes paths with forward slashes whatever the platform separator', async () => {
    await png('images/a.png', 4, 4)
    const artifact = await describeArtifact(folder, path.join('images', 'a.png'))
    expect(artifact.path).toBe('images/a.png')
  })

  it('counts the frames of an animated image and gives the height of one frame', async () => {
    // Three different 8×6 frames stacked (identical frames would be merged by the encoder).
    const stacked = await sharp({
      create: { width: 8, height: 18, channels: 4, background: '#ff0000' },
    })
      .composite([
        {
          input: { create: { width: 8, height: 6, channels: 4, background: '#00ff00' } },
          top: 6,
          left: 0,
        },
        {
          input: { create: { width: 8, height: 6, channels: 4, background: '#0000ff' } },
          top: 12,
          left: 0,
        },
      ])
      .raw()
      .toBuffer()
    const out = await sharp(stacked, { raw: { width: 8, height: 18, channels: 4, pageHeight: 6 } })
      .gif()
      .toBuffer()
    await writeFile(path.join(folder, 'anim.gif'), out)
    const artifact = await describeArtifact(folder, 'anim.gif')
    expect([artifact.media_type, artifact.width, artifact.height, artifact.frames]).toEqual([
      'image/gif',
      8,
      6,
      3,
    ])
  })

  it('leaves pixel fields null for other files and merges what the caller knows', async () => {
    await writeFile(path.join(folder, 'segment-1.mp4'), Buffer.from('not really a video'))
    const artifact = await describeArtifact(folder, 'segment-1.mp4', {
      width: 1280,
      height: 720,
      frames: 121,
      duration_s: 5.04,
      attempts: 1,
      cost: { usd: null, basis: 'price unknown' },
      note: 'extra fields are kept',
    })
    expect(artifact).toMatchObject({
      media_type: 'video/mp4',
      width: 1280,
      height: 720,
      frames: 121,
      duration_s: 5.04,
      attempts: 1,
      note: 'extra fields are kept',
    })
  })

  it('fails on a missing file', async () => {
    await expect(describeArtifact(folder, 'nope.png')).rejects.toThrow(/ENOENT/)
  })
})

describe('mediaTypeOf', () => {
  it.each([
    ['a.png', 'image/png'],
    ['a.JPG', 'image/jpeg'],
    ['v/segment-1.mp4', 'video/mp4'],
    ['metadata/generation-report.json', 'application/json'],
    ['metadata/model-comparison.md', 'text/markdown'],
    ['google-image-url.txt', 'text/plain'],
    ['pointcloud.ply', 'model/x-ply'],
    ['index.html', 'text/html'],
    ['music.mp3', 'audio/mpeg'],
    ['blob.bin', 'application/octet-stream'],
  ])('%s → %s', (file, type) => {
    expect(mediaTypeOf(file)).toBe(type)
  })
})

describe('buildArtifactMetadata / writeArtifactMetadata', () => {
  it('fills in the end of the run and validates', async () => {
    await png('images/a.png', 4, 4)
    const record = buildArtifactMetadata({
      stage: 'image-generation-v2',
      run,
      endedAt: new Date('2025-11-13T09:30:02.250Z'),
      artifacts: [await describeArtifact(folder, 'images/a.png')],
    })
    expect(record.run).toMatchObject({
      id: 'local-2025-11-13T09-30-00-000Z',
      ended_at: '2025-11-13T09:30:02.250Z',
      duration_ms: 2250,
    })
    expect(record.errors).toEqual([])
  })

  it('throws naming each malformed field', async () => {
    await png('images/a.png', 4, 4)
    const artifact = await describeArtifact(folder, 'images/a.png', {
      attempts: -1,
      timings: { queue_wait_ms: 1.5, generation_ms: null, download_ms: null, total_ms: null },
    })
    const error = (() => {
      try {
        buildArtifactMetadata({ stage: 's', run, endedAt: new Date(), artifacts: [artifact] })
      } catch (e) {
        return e
      }
      return undefined
    })()
    expect(error).toBeInstanceOf(TelemetryContractError)
    expect((error as TelemetryContractError).problems).toEqual([
      expect.stringMatching(/^artifacts\[0\]\.timings\.queue_wait_ms: /),
      expect.stringMatching(/^artifacts\[0\]\.attempts: /),
    ])
  })

  it('writes the file with secrets redacted, hashes untouched', async () => {
    await png('images/a.png', 4, 4)
    const artifact = await describeArtifact(folder, 'images/a.png')
    const secret = artifact.sha256.slice(10, 20)
    const redactor = new Redactor()
    redactor.add(secret, 'hunter2-token')
    const record = buildArtifactMetadata({
      stage: 'image-generation-v2',
      run,
      endedAt: new Date('2025-11-13T09:30:01.000Z'),
      artifacts: [artifact],
      errors: [{ code: 'IMG_007', message: `bad token hunter2-token (${secret})` }],
    })
    const written = await writeArtifactMetadata(folder, record, redactor)
    expect(written.file).toBe(path.join(folder, 'metadata', 'artifact-metadata.json'))
    const text = await readFile(written.file, 'utf8')
    expect(text).not.toContain('hunter2-token')
    const parsed = ArtifactMetadataSchema.parse(JSON.parse(text))
    expect(parsed.errors[0]?.message).toBe('bad token *** (***)')
    expect(parsed.artifacts[0]?.sha256).toBe(artifact.sha256)
  })

  it('keeps the records of earlier stages in the same folder, minus rewritten files', async () => {
    await png('images/a.png', 4, 4)
    await png('images/b.png', 4, 4)
    const redactor = new Redactor()
    const endedAt = new Date('2025-11-13T09:31:00.000Z')
    const images = buildArtifactMetadata({
      stage: 'image-generation-v2',
      run,
      endedAt,
      artifacts: [
        await describeArtifact(folder, 'images/a.png'),
        await describeArtifact(folder, 'images/b.png'),
      ],
    })
    await writeArtifactMetadata(folder, images, redactor)
    await writeFile(path.join(folder, 'segment-1.mp4'), 'video')
    await png('images/b.png', 6, 6)
    const video = buildArtifactMetadata({
      stage: 'video-generation',
      run,
      endedAt,
      artifacts: [
        await describeArtifact(folder, 'segment-1.mp4'),
        await describeArtifact(folder, 'images/b.png'),
      ],
    })
    const written = await writeArtifactMetadata(folder, video, redactor)
    expect(written.earlierStages).toEqual(['image-generation-v2'])
    expect(written.metadata.stage).toBe('video-generation')
    expect(written.metadata.earlier_stages?.[0]?.artifacts.map((a) => a.path)).toEqual([
      'images/a.png',
    ])

    // The same stage again, rewriting everything: the earlier video record goes, the image
    // record (still holding images/a.png) stays.
    const again = await writeArtifactMetadata(folder, video, redactor)
    expect(again.earlierStages).toEqual(['image-generation-v2'])
  })

  it('replaces an invalid existing file', async () => {
    await mkdir(path.join(folder, 'metadata'), { recursive: true })
    await writeFile(path.join(folder, 'metadata', 'artifact-metadata.json'), '{"broken": true}')
    const record = buildArtifactMetadata({ stage: 's', run, endedAt: new Date(), artifacts: [] })
    const written = await writeArtifactMetadata(folder, record, new Redactor())
    expect(written.replacedInvalid).toBe(true)
    expect(written.metadata.earlier_stages).toBeUndefined()
  })
})
