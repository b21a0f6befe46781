import { describe, expect, it } from 'vitest'
import { parsePathList } from '../../../src/stages/web-player-generation/inputs.js'
import { pagesUrl } from '../../../src/stages/web-player-generation/pages-url.js'

describe('pagesUrl', () => {
  it('builds the project-site URL with the owner in lower case and each segment encoded', () => {
    expect(pagesUrl('Octo-Org/kamui-demo', 'music-video-20250101-1')).toBe(
      'https://octo-org.github.io/kamui-demo/music-video-20250101-1/',
    )
    expect(pagesUrl('octo/demo', 'out/run #1')).toBe('https://octo.github.io/demo/out/run%20%231/')
  })

  it('uses the root for the user site repository and rejects malformed names', () => {
    expect(pagesUrl('Octo/octo.github.io', 'r1')).toBe('https://octo.github.io/r1/')
    expect(pagesUrl(undefined, 'r1')).toBeUndefined()
    expect(pagesUrl('not a repo', 'r1')).toBeUndefined()
    expect(pagesUrl('a/b/c', 'r1')).toBeUndefined()
  })
})

describe('parsePathList (video-files)', () => {
  it('takes a JSON array, or comma- and newline-separated text', () => {
    expect(parsePathList('["a/1.mp4", " b/2.mp4 "]', 'video-files')).toEqual(['a/1.mp4', 'b/2.mp4'])
    expect(parsePathList('a.mp4, b.mp4\nc.mp4,', 'video-files')).toEqual([
      'a.mp4',
      'b.mp4',
      'c.mp4',
    ])
    expect(parsePathList('  ', 'video-files')).toEqual([])
    expect(() => parsePathList('[1, 2]', 'video-files')).toThrow(
      /WEB_001: video-files must be a JSON array/,
    )
    expect(() => parsePathList('[oops', 'video-files')).toThrow(/WEB_001/)
  })
})
