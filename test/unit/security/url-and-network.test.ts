import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isKamuiError } from '../../../src/core/errors.js'
import {
  checkDownloadTarget,
  fetchChecked,
  isPrivateAddress,
  readCapped,
} from '../../../src/core/http.js'
import { outputUrl, safeMediaUrl } from '../../../src/core/url.js'
import { downloadMedia } from '../../../src/media/download.js'
import { extractMedia } from '../../../src/providers/mcp/result-media.js'

async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a failure')
    },
    (error: unknown) => error as Error,
  )
}

describe('URLs that reach outputs', () => {
  it('re-serialises http(s) URLs on one line with quotes and shell characters encoded', () => {
    const url = outputUrl(`https://cdn.example/a".png?x=$(id)&y='z'&\`w\``, 'google-image-url')
    expect(url).toBe('https://cdn.example/a%22.png?x=%24%28id%29&y=%27z%27&%60w%60')
    for (const bad of ['"', "'", '`', '$', '(', ')', '\n', ' ']) expect(url).not.toContain(bad)
    expect(outputUrl('https://v3.fal.media/files/x/out.png?sig=abc', 'x')).toBe(
      'https://v3.fal.media/files/x/out.png?sig=abc',
    )
    expect(outputUrl('preview://image/0123456789abcdef.png', 'x')).toBe(
      'preview://image/0123456789abcdef.png',
    )
    expect(outputUrl(null, 'x')).toBe('')
  })

  it.each([
    'https://cdn.example/a.png\n::warning::owned',
    'https://cdn.example/a.png\r\nx',
    'javascript:alert(1)',
    'file:///etc/passwd',
    'preview://image/a"b',
    'ftp://h/x.png',
    `https://h/${'a'.repeat(9000)}`,
  ])('refuses %j with URL_001', (bad) => {
    let error: unknown
    try {
      outputUrl(bad, 'google-image-url')
    } catch (e) {
      error = e
    }
    expect(isKamuiError(error, 'URL_001')).toBe(true)
    expect(safeMediaUrl(bad)).toBeUndefined()
  })

  it('keeps no unsafe URL of a tool result', () => {
    const evil = `https://cdn.example/a".png?x=$(touch /tmp/p)\n::warning::owned`
    const media = extractMedia({
      content: [
        { type: 'resource', resource: { uri: evil, mimeType: 'image/png', blob: 'iVBORw0KGgo=' } },
        { type: 'resource_link', uri: 'gopher://x/y.png', name: 'x', mimeType: 'image/png' },
      ],
    })
    expect(media).toHaveLength(1)
    expect(media[0]?.url).toBeUndefined()
    expect(media[0]?.bytes).toBeDefined()
  })

  it('refuses inline base64 media above the byte cap before decoding', () => {
    const data = 'A'.repeat(4000)
    let error: unknown
    try {
      extractMedia({ content: [{ type: 'image', data, mimeType: 'image/png' }] }, 1000)
    } catch (e) {
      error = e
    }
    expect(isKamuiError(error, 'GEN_002')).toBe(true)
    expect(String(error)).toMatch(/above the limit of 1000 bytes/)
    expect(
      extractMedia({ content: [{ type: 'image', data, mimeType: 'image/png' }] }, 3000),
    ).toHaveLength(1)
  })
})

describe('download targets', () => {
  let server: Server
  let base: string
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/redirect-home') {
        res.writeHead(302, { Location: `${base}/x.png` }).end()
        return
      }
      res.writeHead(200, { 'Content-Type': 'image/png' }).end(Buffer.from('png-bytes'))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  it('knows loopback, link-local and private addresses', () => {
    for (const ip of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
    ]) {
      expect(isPrivateAddress(ip), ip).toBe(true)
    }
    for (const ip of ['8.8.8.8', '151.101.1.1', '2606:4700::1111']) {
      expect(isPrivateAddress(ip), ip).toBe(false)
    }
  })

  it('refuses private targets with NET_001 unless allowed, resolving names first', async () => {
    const policy = { allowPrivate: false }
    const lookup = async (host: string): Promise<string[]> =>
      host === 'metadata.internal.example' ? ['169.254.169.254'] : ['93.184.216.34']
    const refused = await failure(
      checkDownloadTarget(new URL('http://metadata.internal.example/x'), policy, lookup),
    )
    expect(isKamuiError(refused, 'NET_001')).toBe(true)
    expect(refused.message).toContain('169.254.169.254')
    await expect(
      checkDownloadTarget(new URL('https://cdn.example/x'), policy, lookup),
    ).resolves.toBeUndefined()
    expect(
      isKamuiError(
        await failure(checkDownloadTarget(new URL('http://localhost:1/x'), policy)),
        'NET_001',
      ),
    ).toBe(true)
    await expect(
      checkDownloadTarget(new URL(`${base}/x`), { allowPrivate: true }),
    ).resolves.toBeUndefined()
  })

  it('downloads from loopback only when allowed, and re-checks every redirect', async () => {
    const refused = await failure(downloadMedia(`${base}/x.png`, { allowPrivateNetwork: false }))
    expect(isKamuiError(refused, 'NET_001')).toBe(true)
    const ok = await downloadMedia(`${base}/redirect-home`, { allowPrivateNetwork: true })
    expect(Buffer.from(ok.bytes).toString()).toBe('png-bytes')
    expect(ok.url).toBe(`${base}/x.png`)

    // A public host that redirects to loopback: the redirect target is checked and refused.
    let requested = 0
    const fakeFetch = (async (url: string) => {
      requested++
      if (url.startsWith('https://cdn.example/')) {
        return new Response(null, { status: 302, headers: { Location: `${base}/x.png` } })
      }
      return new Response('png-bytes', { status: 200 })
    }) as typeof fetch
    const redirected = await failure(
      fetchChecked('https://cdn.example/a.png', {
        fetch: fakeFetch,
        policy: { allowPrivate: false },
        lookup: async () => ['93.184.216.34'],
      }),
    )
    expect(isKamuiError(redirected, 'NET_001')).toBe(true)
    expect(requested).toBe(1)
  })

  it('reads bodies through one capped reader', async () => {
    const body = new Response('x'.repeat(100)).body
    const error = await failure(readCapped(body, 10, 'the answer'))
    expect(isKamuiError(error, 'GEN_002')).toBe(true)
    expect(error.message).toContain('the answer is more than the limit of 10 bytes')
    expect((await readCapped(new Response('abc').body, 10, 'x')).toString()).toBe('abc')
  })
})
