import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { describe, expect, it } from 'vitest'
import {
  extractErrorText,
  extractRequestId,
  extractStatus,
  extractStatusWord,
  normaliseStatus,
  resultText,
} from '../../../src/providers/mcp/result-media.js'

function textResult(...texts: string[]): CallToolResult {
  return { content: texts.map((text) => ({ type: 'text' as const, text })) }
}

describe('extractRequestId', () => {
  it.each<[string, CallToolResult, string | undefined]>([
    [
      'structuredContent request_id',
      { content: [], structuredContent: { request_id: 'abc-1' } },
      'abc-1',
    ],
    [
      'structuredContent nested requestId',
      { content: [], structuredContent: { data: { requestId: 'n-2' } } },
      'n-2',
    ],
    ['structuredContent id', { content: [], structuredContent: { id: 77 } }, '77'],
    [
      'JSON text',
      textResult('{"status":"IN_QUEUE","request_id":"764cabcf-b745-4b3e"}'),
      '764cabcf-b745-4b3e',
    ],
    ['JSON text with prose', textResult('Submitted: ```json\n{"requestId": "q-9"}\n```'), 'q-9'],
    ['plain text', textResult('Job submitted. request_id: abc123-def'), 'abc123-def'],
    ['plain text, spaced', textResult('Request ID = "zz_top"'), 'zz_top'],
    ['nothing', textResult('queued'), undefined],
  ])('%s', (_name, result, expected) => {
    expect(extractRequestId(result)).toBe(expected)
  })
})

describe('extractStatus', () => {
  it.each<[string, CallToolResult, string | undefined, string | undefined]>([
    [
      'structured IN_QUEUE',
      { content: [], structuredContent: { status: 'IN_QUEUE' } },
      'pending',
      'in_queue',
    ],
    [
      'JSON IN_PROGRESS',
      textResult('{"status": "IN_PROGRESS", "logs": []}'),
      'pending',
      'in_progress',
    ],
    ['JSON COMPLETED', textResult('{"status":"COMPLETED"}'), 'completed', 'completed'],
    ['JSON state succeeded', textResult('{"state":"succeeded"}'), 'completed', 'succeeded'],
    ['JSON error', textResult('{"status":"ERROR","error":"NSFW"}'), 'failed', 'error'],
    [
      'text status: processing',
      textResult('Status: processing (step 3/5)'),
      'pending',
      'processing',
    ],
    ['text status in progress', textResult('status: in progress'), 'pending', 'in progress'],
    ['free text done', textResult('Your job is done.'), 'completed', 'done'],
    [
      'free text cancelled',
      textResult('The request was cancelled by the user'),
      'failed',
      'cancelled',
    ],
    ['starting', textResult('starting'), 'pending', 'starting'],
    ['nothing', textResult('hello'), undefined, undefined],
  ])('%s', (_name, result, status, word) => {
    expect(extractStatus(result)).toBe(status)
    expect(extractStatusWord(result)).toBe(word)
  })

  it('normalises words', () => {
    expect(normaliseStatus('In-Progress')).toBe('pending')
    expect(normaliseStatus('OK')).toBe('completed')
    expect(normaliseStatus('canceled')).toBe('failed')
    expect(normaliseStatus('weird')).toBeUndefined()
  })
})

describe('extractErrorText', () => {
  it('reads error fields from structured content and JSON text, else the text', () => {
    expect(
      extractErrorText({
        content: [],
        structuredContent: { status: 'FAILED', error: { message: 'NSFW content' } },
      }),
    ).toBe('NSFW content')
    expect(extractErrorText(textResult('{"status":"ERROR","detail":"quota"}'))).toBe('quota')
    expect(extractErrorText(textResult('something broke'))).toBe('something broke')
    expect(extractErrorText(textResult(''))).toBeUndefined()
    expect(extractErrorText(textResult('x'.repeat(900)))?.length).toBe(501)
  })

  it('joins text content', () => {
    expect(resultText(textResult('a', 'b'))).toBe('a\nb')
  })
})
