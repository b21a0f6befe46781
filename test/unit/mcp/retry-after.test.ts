import { describe, expect, it } from 'vitest'
import {
  createRecordingFetch,
  MAX_RETRY_AFTER_MS,
  parseRetryAfter,
} from '../../../src/core/retry-after.js'
import { expandEnv } from '../../../src/providers/mcp/expand-env.js'
import { findJsonError } from '../../../src/providers/mcp/json-position.js'

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2025-01-01T00:00:00Z')
    expect(parseRetryAfter('30', now)).toBe(30_000)
    expect(parseRetryAfter('1.5', now)).toBe(1500)
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:12 GMT', now)).toBe(12_000)
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0)
    expect(parseRetryAfter('99999', now)).toBe(MAX_RETRY_AFTER_MS)
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter(null, now)).toBeUndefined()
  })

  it('records the Retry-After of the last 429', async () => {
    const answers = [
      new Response('slow', { status: 429, headers: { 'retry-after': '3' } }),
      new Response('ok', { status: 200 }),
    ]
    const recorder = createRecordingFetch(
      async () => answers.shift() ?? new Response(null, { status: 500 }),
    )
    expect(recorder.lastRetryAfterMs()).toBeUndefined()
    await recorder.fetch('http://x/')
    expect(recorder.lastRetryAfterMs()).toBe(3000)
    await recorder.fetch('http://x/')
    expect(recorder.lastStatus()).toBe(200)
    expect(recorder.lastRetryAfterMs()).toBe(3000)
  })
})

describe('expandEnv', () => {
  it('expands set variables, defaults, and reports missing names', () => {
    expect(expandEnv('a ${A} ${B:-b} ${C} $D ${1}', { A: 'x', C: '' })).toEqual({
      value: 'a x b  $D ${1}',
      missing: [],
    })
    expect(expandEnv('${NOPE}/${ALSO}', {})).toEqual({ value: '/', missing: ['NOPE', 'ALSO'] })
  })
})

describe('findJsonError', () => {
  it.each([
    ['{"a": 1}', undefined],
    ['[1, 2, {"b": [true, false, null, -1.5e3, "x\\u00e9"]}]', undefined],
    ['{"a": 1,}', 9],
    ['{"a" 1}', 6],
    ['{"a": tru}', 7],
    ['{"a": "x', 7],
    ['', 1],
    ['{"a":1} x', 9],
    ['{"a": "\u0001"}', 8],
  ])('%j → column %s', (text, column) => {
    expect(findJsonError(text)?.column).toBe(column)
  })

  it('counts lines', () => {
    expect(findJsonError('{\n"a":\n}')).toMatchObject({ line: 3, column: 1 })
  })
})
