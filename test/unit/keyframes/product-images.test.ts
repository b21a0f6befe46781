import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  loadProductImages,
  parseProductImageList,
  REFERENCE_LONG_SIDE,
  sniffFormat,
} from '../../../src/stages/keyframes/product-images.js'

let workspace: string
let server: Server
let base: string

beforeAll(async () => {
  workspace = await mkdtemp(path.join(tmpdir(), 'kf-products-'))
  await mkdir(path.join(workspace, 'p'))
  await sharp({ create: { width: 2000, height: 1000, channels: 3, background: '#c33' } })
    .jpeg()
    .toFile(path.join(workspace, 'p/big.jpg'))
  await sharp({ create: { width: 100, height: 100, channels: 4, background: '#3c3c' } })
    .png()
    .toFile(path.join(workspace, 'p/a.png'))
  await sharp({ create: { width: 90, height: 60, channels: 3, background: '#33c' } })
    .webp()
    .toFile(path.join(workspace, 'p/b.webp'))
  await sharp({ create: { width: 20, height: 20, channels: 3, background: '#333' } })
    .tiff()
    .toFile(path.join(workspace, 'p/c.tiff'))
  await writeFile(path.join(workspace, 'p/text.png'), 'not an image at all')
  const png = await sharp({ create: { width: 50, height: 40, channels: 3, background: '#999' } })
    .png()
    .toBuffer()
  server = createServer((req, res) => {
    if (req.url?.startsWith('/ok.png')) {
      res.writeHead(200, { 'content-type': 'image/png' }).end(png)
    } else if (req.url === '/page') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>')
    } else res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

describe('parseProductImageList', () => {
  it('splits on newlines when there are any, else on commas', () => {
    expect(parseProductImageList('a.png, b.png,,c.png')).toEqual(['a.png', 'b.png', 'c.png'])
    expect(parseProductImageList('https://x/y?a=1,2\n b.png \n')).toEqual([
      'https://x/y?a=1,2',
      'b.png',
    ])
  })

  it('refuses an empty list and more than 10 (KF_001)', () => {
    expect(() => parseProductImageList(' , ')).toThrow(/KF_001: product-images is empty/)
    expect(() =>
      parseProductImageList(Array.from({ length: 11 }, (_, i) => `${i}.png`).join(',')),
    ).toThrow('KF_001: 11 product images were given; at most 10 are accepted.')
  })
})

describe('loadProductImages', () => {
  it('reads JPEG, PNG and WebP files and URLs, with reference copies at most 1024 px, and warns under three', async () => {
    const { images, warnings } = await loadProductImages(['p/big.jpg', `${base}/ok.png?sig=abc`], {
      workspace,
    })
    expect(images.map((i) => [i.kind, i.format, i.width, i.height])).toEqual([
      ['file', 'jpeg', 2000, 1000],
      ['url', 'png', 50, 40],
    ])
    const meta = await sharp(images[0]?.reference).metadata()
    expect([meta.format, meta.width, meta.height]).toEqual(['png', REFERENCE_LONG_SIDE, 512])
    expect(images[1]?.url).toBe(`${base}/ok.png?sig=abc`)
    expect(images[0]?.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(warnings).toEqual([
      { code: 'KF_001', message: expect.stringMatching(/only 2 product images given/) },
    ])
    const three = await loadProductImages(['p/big.jpg', 'p/a.png', 'p/b.webp'], { workspace })
    expect(three.warnings).toEqual([])
  })

  it('reports every bad image at once, each with its reason', async () => {
    const error = await loadProductImages(
      [
        'p/a.png',
        'p/missing.png',
        'p/c.tiff',
        'p/text.png',
        `${base}/page`,
        `${base}/gone.png`,
        '../outside.png',
        'ftp://x/y.png',
      ],
      { workspace, minRetryDelayMs: 10 },
    ).catch((e: unknown) => e as Error)
    const message = (error as Error).message
    expect(message).toMatch(/^KF_001: invalid product images: /)
    expect(message).toContain('image 2 (p/missing.png): does not exist')
    expect(message).toContain(
      'image 3 (p/c.tiff): is a TIFF image; only JPEG, PNG and WebP are accepted',
    )
    expect(message).toContain(
      'image 4 (p/text.png): is not an image; only JPEG, PNG and WebP are accepted',
    )
    expect(message).toMatch(
      /image 5 \(http:\/\/127\.0\.0\.1:\d+\/page\): cannot be downloaded: .*serves text\/html/,
    )
    expect(message).toMatch(
      /image 6 \(http:\/\/127\.0\.0\.1:\d+\/gone\.png\): cannot be downloaded: .*HTTP 404/,
    )
    expect(message).toContain('image 7 (../outside.png): lies outside the workspace')
    expect(message).toContain('image 8 (ftp://x/y.png): ftp: URLs are not accepted')
    expect(message).not.toContain('image 1 ')
  })

  it('sniffs formats by signature', () => {
    expect(sniffFormat(Buffer.from('GIF89a....'))).toBe('gif')
    expect(sniffFormat(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('jpeg')
    expect(sniffFormat(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBe('webp')
    expect(sniffFormat(Buffer.from('hello'))).toBeUndefined()
  })
})
