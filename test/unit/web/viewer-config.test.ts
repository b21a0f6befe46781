import { describe, expect, it } from 'vitest'
import { isKamuiError } from '../../../src/core/errors.js'
import {
  parseBooleanInput,
  parseBoundedNumber,
  parseCameraPosition,
  parseHexColor,
  viewerElement,
} from '../../../src/output/web/viewer-config.js'

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return isKamuiError(error) ? error.code : 'not a KamuiError'
  }
  return undefined
}

describe('viewer options', () => {
  it('parses camera positions, colours, numbers and booleans', () => {
    expect(parseCameraPosition('0,0,100')).toEqual([0, 0, 100])
    expect(parseCameraPosition(' -1.5, 2e1 ,3 ')).toEqual([-1.5, 20, 3])
    expect(parseHexColor('#1A1A1A')).toBe('#1a1a1a')
    expect(parseHexColor('#abc')).toBe('#aabbcc')
    expect(parseBoundedNumber('1.0', 'point-size', 0.01, 100)).toBe(1)
    expect(parseBooleanInput('TRUE', 'auto-rotate')).toBe(true)
    expect(parseBooleanInput('', 'auto-rotate')).toBe(false)
  })

  it('rejects malformed values with WEB_001', () => {
    for (const bad of ['0,0', '0,0,0', 'a,b,c', '1,2,3,4', '1,,2']) {
      expect(codeOf(() => parseCameraPosition(bad))).toBe('WEB_001')
    }
    for (const bad of ['red', '#12345', '#1a1a1a;background:url(x)', '']) {
      expect(codeOf(() => parseHexColor(bad))).toBe('WEB_001')
    }
    expect(codeOf(() => parseBoundedNumber('0', 'point-size', 0.01, 100))).toBe('WEB_001')
    expect(codeOf(() => parseBoundedNumber('Infinity', 'point-size', 0.01, 100))).toBe('WEB_001')
    expect(codeOf(() => parseBooleanInput('maybe', 'auto-rotate'))).toBe('WEB_001')
  })

  it('renders the viewer element with its JSON config escaped for the script element', () => {
    const html = viewerElement({
      id: 'cfg',
      config: {
        title: '</script><script>alert(1)</script>',
        ply: 'assets/p.ply',
        data: { url: 'assets/pointcloud-data.js', key: 'k' },
        background: '#102030',
        cameraPosition: [0, 0, 100],
        autoRotate: true,
        pointSize: 1,
        animationSpeed: 1,
      },
    }).value
    expect(html).not.toContain('<script>alert(1)')
    const json = /<script type="application\/json" id="cfg">([^<]*)<\/script>/.exec(html)?.[1]
    expect(JSON.parse(json as string).title).toBe('</script><script>alert(1)</script>')
    expect(html).toContain('data-role="auto-rotate" checked')
  })
})
