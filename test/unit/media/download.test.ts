import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KamuiError } from '../../../src/core/errors.js'
import { downloadMedia } from '../../../src/media/download.js'

const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(2000, 1)])
let server: Server
let base = ''
const hits = new Map<string, number>()

function handler(req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? '/'
  const count = (hits.get(path) ?? 0) + 1
  hits.set(path, count)
  switch (path.split('?')[0]) {
    case '/ok.png':
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': PNG.length })
      res.end(PNG)
      return
    case '/redirect':
      res.writeHead(302, { location: '/ok.png' })
      res.end()
      return
    case '/big-declared':
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': 10_000 })
      res.end(Buffer.alloc(10_000))
      return
    case '/big-streamed':
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      for (let i = 0; i < 10; i++) res.write(Buffer.alloc(1000))
      res.end()
      return
    case '/page':
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.end('<html>expired</html>')
      return
    case '/json':
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"error":"x"}')
      return
    case '/video':
      res.writeHead(200, { 'content-type': 'video/mp4' })
      res.end(Buffer.alloc(100))
      return
    case '/gone':
      res.writeHead(404)
      res.end()
      return
    case '/denied':
      res.writeHead(403)
      res.end()
      return
    case '/flaky':
      if (count < 3) {
        res.writeHead(503)
        res.end()
        return
      }
      res.writeHead(200, { 'content-type': 'image/png' })
      res.end(PNG)
      return
    case '/busy':
      res.writeHead(429, { 'retry-after': '0' })
      res.end()
      return
    case '/down':
      res.writeHead(500)
      res.end()
      return
    case '/reset':
      req.socket.destroy()
      return
    default:
      res.writeHead(500)
      res.end()
  }
}

beforeAll(async () => {
  server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

async function failure(
  url: string,
  options: Parameters<typeof downloadMedia>[1] = {},
): Promise<KamuiError> {
  const error = await downloadMedia(url, { minRetryDelayMs: 1, ...options }).catch(
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(KamuiError)
  return error as KamuiError
}

describe('downloadMedia', () => {
  it('downloads an image, following redirects', async () => {
    const out = await downloadMedia(`${base}/redirect`, { accept: 'image' })
    expect(Buffer.from(out.bytes)).toEqual(PNG)
    expect(out.contentType).toBe('image/png')
    expect(out.url).toBe(`${base}/ok.png`)
    expect(out.ms).toBeGreaterThanOrEqual(0)
  })

  it('decodes data: URLs and refuses other schemes', async () => {
    const out = await downloadMedia(`data:image/png;base64,${PNG.toString('base64')}`, {
      accept: 'image',
    })
    expect(Buffer.from(out.bytes)).toEqual(PNG)
    expect(out.contentType).toBe('image/png')
    expect((await failure('file:///etc/passwd')).code).toBe('GEN_002')
    expect((await failure('ftp://example.com/x.png')).message).toContain('ftp:')
  })

  it('refuses a declared size above the limit before reading, and stops a streamed one', async () => {
    const declared = await failure(`${base}/big-declared`, { maxBytes: 5000 })
    expect(declared.code).toBe('GEN_002')
    expect(declared.message).toContain('10000 bytes, above the limit of 5000 bytes')
    const streamed = await failure(`${base}/big-streamed`, { maxBytes: 5000 })
    expect(streamed.code).toBe('GEN_002')
    expect(streamed.message).toContain('more than the limit of 5000 bytes')
    expect(
      (await failure(`data:image/png;base64,${PNG.toString('base64')}`, { maxBytes: 10 })).code,
    ).toBe('GEN_002')
  })

  it('refuses clearly wrong content types', async () => {
    expect((await failure(`${base}/page`, { accept: 'image' })).message).toContain(
      'serves text/html, not an image',
    )
    expect((await failure(`${base}/json`)).code).toBe('GEN_002')
    expect((await failure(`${base}/video`, { accept: 'image' })).message).toContain('video/mp4')
    const video = await downloadMedia(`${base}/video`, { accept: 'video' })
    expect(video.bytes.length).toBe(100)
  })

  it('reports expired URLs without retrying', async () => {
    const gone = await failure(`${base}/gone?token=secret-token`)
    expect(gone.code).toBe('GEN_002')
    expect(gone.retryable).toBe(false)
    expect(gone.message).toContain('the media URL has expired or does not exist')
    expect(gone.message).not.toContain('secret-token')
    expect(hits.get('/gone?token=secret-token')).toBe(1)
    expect((await failure(`${base}/denied`)).code).toBe('GEN_002')
  })

  it('retries transient failures, at most 3 attempts', async () => {
    const out = await downloadMedia(`${base}/flaky`, { minRetryDelayMs: 1 })
    expect(out.bytes.length).toBe(PNG.length)
    expect(hits.get('/flaky')).toBe(3)

    const busy = await failure(`${base}/busy`)
    expect(busy.code).toBe('IMG_006')
    expect(busy.retryAfterMs).toBe(0)
    expect(hits.get('/busy')).toBe(3)

    const down = await failure(`${base}/down`)
    expect(down.code).toBe('IMG_008')
    expect(down.retryable).toBe(true)
    expect(hits.get('/down')).toBe(3)

    expect((await failure(`${base}/reset`)).code).toBe('IMG_008')
  })

  it('maps a refused connection to IMG_008 and an abort to its reason', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    const refused = await failure(`http://127.0.0.1:${port}/x.png`)
    expect(refused.code).toBe('IMG_008')
    expect(refused.message).toContain('ECONNREFUSED')

    const controller = new AbortController()
    controller.abort(new KamuiError('IMG_003', 'too slow'))
    expect((await failure(`${base}/ok.png`, { signal: controller.signal })).code).toBe('IMG_003')
  })
})
