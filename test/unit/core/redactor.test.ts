import { describe, expect, it } from 'vitest'
import { MemoryLogger } from '../../../src/core/logger.js'
import { Redactor } from '../../../src/core/redactor.js'

describe('Redactor', () => {
  it('masks every registered secret, longest first, and tells listeners', () => {
    const seen: string[] = []
    const redactor = new Redactor()
    redactor.onAdd((s) => seen.push(s))
    redactor.add('abc', 'token-1234', 'token-1234-long', undefined)
    expect(seen).toEqual(['token-1234', 'token-1234-long'])
    expect(redactor.redact('x token-1234-long y token-1234 abc')).toBe('x *** y *** abc')
    const logger = new MemoryLogger()
    redactor.wrap(logger).warn('failed with token-1234')
    expect(logger.lines).toEqual([{ level: 'warn', message: 'failed with ***' }])
  })
})
