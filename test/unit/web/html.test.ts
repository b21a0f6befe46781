import { describe, expect, it } from 'vitest'
import {
  escapeHtml,
  jsonForScript,
  markup,
  relativeUrl,
  SafeHtml,
} from '../../../src/output/web/html.js'

describe('escaping', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    )
  })

  it('markup escapes every interpolated value, except SafeHtml; arrays join, nullish is empty', () => {
    const hostile = '<img src=x onerror=alert(1)>'
    const out = markup`<p title="${hostile}">${hostile}${[hostile, 1]}${null}${undefined}${false}${markup`<b>${'&'}</b>`}</p>`
    expect(out).toBeInstanceOf(SafeHtml)
    expect(out.value).toBe(
      '<p title="&lt;img src=x onerror=alert(1)&gt;">&lt;img src=x onerror=alert(1)&gt;' +
        '&lt;img src=x onerror=alert(1)&gt;1<b>&amp;</b></p>',
    )
    expect(markup`${'" onmouseover="alert(1)'}`.value).toBe('&quot; onmouseover=&quot;alert(1)')
  })

  it('jsonForScript cannot end or alter a script element, and parses back unchanged', () => {
    const value = { text: '</script><script>alert(1)</script><!-- & \u2028\u2029', n: 1 }
    const text = jsonForScript(value).value
    expect(text).not.toMatch(/[<>&\u2028\u2029]/)
    expect(JSON.parse(text)).toEqual(value)
  })

  it('relativeUrl percent-encodes each path segment', () => {
    expect(relativeUrl('videos/clip #1?.mp4')).toBe('videos/clip%20%231%3F.mp4')
    expect(relativeUrl('out/ラン/a.png')).toBe('out/%E3%83%A9%E3%83%B3/a.png')
  })
})
