import { describe, expect, it } from 'vitest'
import { markdownCell } from '../../../src/core/markdown.js'

describe('markdownCell', () => {
  it('escapes the column separator and inline markup, and joins lines', () => {
    expect(markdownCell('a|b')).toBe('a\\|b')
    expect(markdownCell('*bold* _it_ `code` [link](x) <b> \\')).toBe(
      '\\*bold\\* \\_it\\_ \\`code\\` \\[link\\](x) \\<b\\> \\\\',
    )
    expect(markdownCell('line one\r\nline two\nthree')).toBe('line one line two three')
  })

  it('keeps a table row one row with as many cells as before', () => {
    const row = `| ${markdownCell('x | y\nz')} | ${markdownCell('ok')} |`
    expect(row.split('\n')).toHaveLength(1)
    expect(row.split(/(?<!\\)\|/)).toHaveLength(4)
  })
})
