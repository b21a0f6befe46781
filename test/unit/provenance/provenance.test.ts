import { execFileSync } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import type { Provenance } from '../../../src/contracts/provenance.js'
import {
  contentSha256,
  embedImageProvenance,
  readImageProvenance,
} from '../../../src/media/provenance/image.js'
import {
  provenanceFromTags,
  provenanceMetadataArgs,
  readMp4Tags,
} from '../../../src/media/provenance/mp4.js'
import { provenancePlyComments, readPlyProvenance } from '../../../src/media/provenance/ply.js'
import { embedPngXmp, readPngXmp, stripPngXmp } from '../../../src/media/provenance/png-xmp.js'
import { digitalSourceTypeFor, provenanceRecord } from '../../../src/media/provenance/record.js'
import { buildXmp, parseXmp } from '../../../src/media/provenance/xmp.js'
import { encodePly } from '../../../src/media/pointcloud/ply.js'
import { testFfmpeg } from '../../helpers/tools.js'

/** A prompt with everything that breaks naive XML, PLY headers and ffmpeg arguments. */
const NASTY =
  '夕焼け "lighthouse" <b>bold</b> & \'quotes\' $(rm -rf /) `x`\nsecond line\ttab \u0001ctl 🌅 ]]> -->'

function record(overrides: Partial<Provenance> = {}): Provenance {
  return {
    ...provenanceRecord(
      { embed: true, stage: 'image-generation-v2', runId: '123456' },
      {
        model: 'imagen4-fast',
        provider: 'mcp',
        algorithmic: false,
        prompt: NASTY,
        negativePrompt: 'blurry, <low> & "bad"',
        seed: 42,
        jobKey: 'k'.repeat(64),
      },
    ),
    ...overrides,
  }
}

async function png(): Promise<Buffer> {
  return sharp({ create: { width: 16, height: 8, channels: 3, background: '#336699' } })
    .png()
    .toBuffer()
}

describe('XMP', () => {
  it('round-trips every field, escaping markup and keeping line breaks', () => {
    const p = record()
    const xmp = buildXmp(p)
    expect(xmp).not.toContain('<b>')
    expect(xmp).toContain('&lt;b&gt;bold&lt;/b&gt;')
    expect(xmp).toContain(
      'Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"',
    )
    // XML 1.0 cannot carry U+0001: it is replaced, everything else comes back as it was.
    expect(parseXmp(xmp)).toEqual({ ...p, prompt: NASTY.replace('\u0001', '\uFFFD') })
    expect(parseXmp('<x:xmpmeta/>')).toBeNull()
  })

  it("masks the run's secrets in every text field before anything is embedded", () => {
    const secret = 'tok-SECRET-123'
    const p = provenanceRecord(
      {
        embed: true,
        stage: 'keyframes',
        runId: 'r',
        redact: (text) => text.split(secret).join('***'),
      },
      {
        model: 'm',
        provider: 'mcp',
        algorithmic: false,
        prompt: `roses ${secret}`,
        negativePrompt: secret,
      },
    )
    expect(p.prompt).toBe('roses ***')
    expect(p.negative_prompt).toBe('***')
    expect(buildXmp(p)).not.toContain(secret)
  })

  it('names the IPTC digital source type by what made the file', () => {
    expect(digitalSourceTypeFor({ model: 'a', provider: 'mcp', algorithmic: false })).toBe(
      'trainedAlgorithmicMedia',
    )
    expect(digitalSourceTypeFor({ model: 'p', provider: 'preview', algorithmic: true })).toBe(
      'algorithmicMedia',
    )
    expect(
      digitalSourceTypeFor({ model: 'a', provider: 'mcp', algorithmic: false, composite: true }),
    ).toBe('compositeWithTrainedAlgorithmicMedia')
    expect(
      digitalSourceTypeFor({
        model: 'a',
        provider: null,
        algorithmic: false,
        compositeSynthetic: true,
      }),
    ).toBe('compositeSynthetic')
  })
})

describe('PNG', () => {
  it('inserts one iTXt chunk after IHDR, keeps the pixels and strips back to the same bytes', async () => {
    const original = await png()
    const embedded = embedPngXmp(original, buildXmp(record()))
    expect(embedded.toString('latin1', 12, 16)).toBe('IHDR')
    expect(embedded.toString('latin1', 37, 41)).toBe('iTXt')
    expect(stripPngXmp(embedded).equals(original)).toBe(true)
    expect(contentSha256(embedded)).toBe(contentSha256(original))
    // Embedding twice replaces the packet instead of adding a second one.
    const twice = embedPngXmp(embedded, buildXmp(record({ seed: 7 })))
    expect(twice.toString('latin1').split('XML:com.adobe.xmp').length - 1).toBe(1)
    expect((await readImageProvenance(twice))?.seed).toBe(7)
    // sharp (libvips) reads the packet and decodes the image (the CRC is right).
    const meta = await sharp(embedded).metadata()
    expect(meta.xmp?.toString('utf8')).toBe(readPngXmp(embedded))
    const [a, b] = await Promise.all(
      [original, embedded].map((buffer) => sharp(buffer).raw().toBuffer()),
    )
    expect(a?.equals(b as Buffer)).toBe(true)
  })

  it('embeds nothing when provenance is null', async () => {
    const original = await png()
    expect((await embedImageProvenance(original, null)).equals(original)).toBe(true)
    expect(await readImageProvenance(original)).toBeNull()
  })

  it('embeds in JPEG and WebP through sharp', async () => {
    const p = record()
    for (const encoded of [
      await sharp(await png())
        .jpeg()
        .toBuffer(),
      await sharp(await png())
        .webp()
        .toBuffer(),
    ]) {
      const embedded = await embedImageProvenance(encoded, p)
      expect((await readImageProvenance(embedded))?.model).toBe('imagen4-fast')
    }
  })
})

describe('MP4', () => {
  it('writes metadata tags through ffmpeg arguments (no shell) and reads them back', async () => {
    const p = record({ digital_source_type: 'algorithmicMedia' })
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kamui-mp4-'))
    const file = path.join(dir, 'clip.mp4')
    execFileSync(testFfmpeg().path, [
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'color=c=red:s=32x32:r=4',
      '-t',
      '0.5',
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv420p',
      '-movflags',
      '+faststart',
      ...provenanceMetadataArgs(p),
      file,
    ])
    const tags = await readMp4Tags(file)
    expect(tags['DigitalSourceType']).toBe(
      'http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia',
    )
    expect(tags['Prompt']).toBe(NASTY)
    expect(provenanceFromTags(tags)).toEqual(p)
    expect(provenanceMetadataArgs(null)).toEqual([])
  })
})

describe('PLY', () => {
  it('carries provenance in ASCII header comments that parse back', () => {
    const p = record({ digital_source_type: 'algorithmicMedia', source: 'luminance-heuristic' })
    const comments = provenancePlyComments(p)
    const ply = encodePly(
      { count: 1, positions: new Float32Array(3), colors: new Uint8Array(3), stride: 1 },
      'ascii',
      comments,
    )
    const header = ply.toString('latin1').split('end_header')[0] as string
    expect(/^[\x20-\x7e\n]*$/.test(header)).toBe(true)
    expect(header).toContain('comment kamui:Source "luminance-heuristic"')
    expect(readPlyProvenance(ply)).toEqual(p)
  })
})
