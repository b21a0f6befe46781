import { describe, expect, it } from 'vitest'
import { PLYLoader } from 'three/examples/jsm/loaders/PLYLoader.js'
import { reduceCloud } from '../../../src/output/web/cloud-data.js'
import { renderPreviewMusic } from '../../../src/media/preview/music.js'
import { isPreviewMusic, readWavInfo } from '../../../src/output/web/wav-info.js'
import { mkdtemp, writeFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

/** A binary PLY of `n` points (x = i) with colours and a face element after the vertices. */
function binaryPly(n: number): Buffer {
  const header = [
    'ply',
    'format binary_little_endian 1.0',
    'comment made by a test',
    `element vertex ${n}`,
    'property float x',
    'property float y',
    'property float z',
    'property uchar red',
    'property uchar green',
    'property uchar blue',
    'element face 1',
    'property list uchar int vertex_indices',
    'end_header',
    '',
  ].join('\n')
  const body = Buffer.alloc(n * 15 + 13)
  for (let i = 0; i < n; i++) {
    body.writeFloatLE(i, i * 15)
    body.writeUInt8(i % 256, i * 15 + 12)
  }
  body.writeUInt8(3, n * 15)
  return Buffer.concat([Buffer.from(header, 'latin1'), body])
}

const parse = (bytes: Buffer) => {
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  return new PLYLoader().parse(copy as ArrayBuffer)
}

describe('reduceCloud: the display copy of a PLY for the page', () => {
  it('keeps every s-th vertex of a binary cloud, drops the faces and says so in the header', () => {
    const reduced = reduceCloud(binaryPly(1000), 300)
    expect(reduced).toMatchObject({ points: 250, total: 1000, stride: 4 })
    const text = reduced.bytes.toString('latin1')
    expect(text).toContain(
      'comment kamui display copy: one in 4 of 1000 vertices\nelement vertex 250\n',
    )
    expect(text).not.toContain('element face')
    const geometry = parse(reduced.bytes)
    const x = geometry.getAttribute('position')
    expect(x.count).toBe(250)
    expect([x.getX(0), x.getX(1), x.getX(249)]).toEqual([0, 4, 996])
  })

  it('keeps every s-th line of an ASCII cloud, and a small cloud whole', () => {
    const rows = Array.from({ length: 10 }, (_, i) => `${i} 0 0`)
    const ascii = Buffer.from(
      [
        'ply',
        'format ascii 1.0',
        'element vertex 10',
        'property float x',
        'property float y',
        'property float z',
        'end_header',
        ...rows,
        '',
      ].join('\n'),
    )
    const reduced = reduceCloud(ascii, 4)
    expect(reduced).toMatchObject({ points: 4, total: 10, stride: 3 })
    const position = parse(reduced.bytes).getAttribute('position')
    expect([0, 1, 2, 3].map((i) => position.getX(i))).toEqual([0, 3, 6, 9])
    expect(reduceCloud(ascii, 10).bytes).toBe(ascii)
  })

  it('keeps a cloud whole when its vertex records cannot be cut (a list property)', () => {
    const listed = Buffer.from(
      [
        'ply',
        'format binary_little_endian 1.0',
        'element vertex 100',
        'property list uchar float x',
        'end_header',
        '',
      ].join('\n'),
    )
    expect(reduceCloud(listed, 10)).toMatchObject({ stride: 1, points: 100 })
    expect(() => reduceCloud(Buffer.from('not a ply'), 10)).toThrow(/WEB_001/)
  })
})

describe('the PREVIEW music marker', () => {
  it('is in the RIFF INFO chunk of the synthesized track, and not in other WAV files', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kamui-wav-'))
    try {
      const music = renderPreviewMusic('roses', 2)
      await writeFile(path.join(dir, 'preview.wav'), music.wav)
      expect(await readWavInfo(path.join(dir, 'preview.wav'))).toEqual({
        ISFT: 'kamui-media-actions preview renderer',
        ICMT: 'PREVIEW: synthesized tones, not the output of a music model',
      })
      expect(await isPreviewMusic(path.join(dir, 'preview.wav'))).toBe(true)
      // The RIFF size covers the whole file; the data chunk holds every sample.
      expect(music.wav.readUInt32LE(4)).toBe(music.wav.length - 8)
      const data = music.wav.indexOf('data')
      expect(music.wav.readUInt32LE(data + 4)).toBe(2 * music.sampleRate * 2)
      // A plain WAV (no INFO chunk) is not preview music.
      const plain = Buffer.concat([music.wav.subarray(0, 36), music.wav.subarray(data)])
      plain.writeUInt32LE(plain.length - 8, 4)
      await writeFile(path.join(dir, 'plain.wav'), plain)
      expect(await isPreviewMusic(path.join(dir, 'plain.wav'))).toBe(false)
      expect(await isPreviewMusic(path.join(dir, 'missing.wav'))).toBe(false)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
