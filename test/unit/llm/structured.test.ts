import { z } from 'zod'
import { describe, expect, it } from 'vitest'
import { KamuiError } from '../../../src/core/errors.js'
import { jsonSchemaOf, jsonTextOf, parseStructured } from '../../../src/providers/llm/structured.js'

const Schema = z.object({ alignment: z.number().min(0).max(1), label: z.string().min(1) })

function error(fn: () => unknown): KamuiError {
  try {
    fn()
  } catch (e) {
    if (e instanceof KamuiError) return e
    throw e
  }
  throw new Error('no error thrown')
}

describe('structured output', () => {
  it('sends the zod schema as JSON schema without $schema', () => {
    const schema = jsonSchemaOf(Schema)
    expect(schema).toEqual({
      type: 'object',
      properties: {
        alignment: { type: 'number', minimum: 0, maximum: 1 },
        label: { type: 'string', minLength: 1 },
      },
      required: ['alignment', 'label'],
      additionalProperties: false,
    })
  })

  it('parses and validates a JSON answer', () => {
    expect(parseStructured('{"alignment":0.5,"label":"ok"}', Schema, 'm')).toEqual({
      alignment: 0.5,
      label: 'ok',
    })
  })

  it('strips a code fence and a leading <think> block, nothing else', () => {
    expect(jsonTextOf('<think>hmm</think>\n```json\n{"a":1}\n```')).toBe('{"a":1}')
    expect(jsonTextOf('  {"a":1}  ')).toBe('{"a":1}')
    expect(jsonTextOf('Here: {"a":1}')).toBe('Here: {"a":1}')
  })

  it('rejects empty content with LLM_002', () => {
    const e = error(() => parseStructured('  ', Schema, 'LM Studio at u, model "m"'))
    expect(e.code).toBe('LLM_002')
    expect(e.message).toContain('empty content (HTTP 200)')
    expect(e.message).toContain('LM Studio at u, model "m"')
  })

  it('rejects prose with LLM_002 quoting it', () => {
    const e = error(() => parseStructured('Sure! Here you go.', Schema, 'x'))
    expect(e.code).toBe('LLM_002')
    expect(e.message).toContain('did not answer with JSON')
    expect(e.message).toContain('"Sure! Here you go."')
  })

  it('rejects JSON that fails the schema, naming each field', () => {
    const e = error(() => parseStructured('{"alignment":7,"label":""}', Schema, 'x'))
    expect(e.code).toBe('LLM_002')
    expect(e.message).toMatch(/alignment: Too big/)
    expect(e.message).toMatch(/label: Too small/)
  })
})
