import { describe, expect, it } from 'vitest'
import {
  describeNodeErrors,
  executionError,
  historyFailure,
  parseErrorBody,
  rejectedError,
} from '../../../src/providers/comfyui/errors.js'

const SERVER = 'http://127.0.0.1:8188'

describe('400 bodies of every era (ComfyUI `server.py`)', () => {
  it('reads the object style with node_errors naming node, class, type and input', () => {
    const body = parseErrorBody(
      JSON.stringify({
        error: {
          type: 'prompt_outputs_failed_validation',
          message: 'Prompt outputs failed validation',
          details: '',
          extra_info: {},
        },
        node_errors: {
          '4': {
            errors: [
              {
                type: 'value_not_in_list',
                message: 'Value not in list',
                details: "ckpt_name: 'x.safetensors' not in []",
                extra_info: { input_name: 'ckpt_name' },
              },
            ],
            dependent_outputs: ['9'],
            class_type: 'CheckpointLoaderSimple',
          },
        },
      }),
    )
    expect(body.type).toBe('prompt_outputs_failed_validation')
    const error = rejectedError(SERVER, body, 400)
    expect(error.code).toBe('COMFY_001')
    expect(error.retryable).toBe(false)
    expect(error.message).toContain(
      'Prompt outputs failed validation [prompt_outputs_failed_validation]',
    )
    expect(error.message).toContain(
      "node 4 (CheckpointLoaderSimple): Value not in list: ckpt_name: 'x.safetensors' not in [] [value_not_in_list, input ckpt_name]",
    )
  })

  it('reads the old string style with node_errors []', () => {
    const body = parseErrorBody('{"error":"no prompt","node_errors":[]}')
    expect(body).toEqual({ type: undefined, message: 'no prompt', nodeErrors: {} })
    expect(rejectedError(SERVER, body, 400).message).toBe(
      `COMFY_001: ComfyUI at ${SERVER} rejected the workflow (HTTP 400): no prompt`,
    )
  })

  it('keeps a non-JSON body (aiohttp 500 text) and an empty one readable', () => {
    expect(
      parseErrorBody('500 Internal Server Error\n\nServer got itself in trouble').message,
    ).toBe('500 Internal Server Error\n\nServer got itself in trouble')
    expect(parseErrorBody('').message).toBe('(empty body)')
    expect(
      parseErrorBody(
        '{"error":{"type":"invalid_prompt","message":"Cannot execute because node Foo does not exist.","details":"Node ID \'#7\'"}}',
      ).message,
    ).toBe("Cannot execute because node Foo does not exist.: Node ID '#7'")
  })

  it('describes nodes without errors or class', () => {
    expect(describeNodeErrors({ '12': {} })).toEqual(['node 12 (unknown class): validation failed'])
  })
})

describe('execution errors (ComfyUI `server.py` `send_sync`)', () => {
  it('names node, class, exception type and message as COMFY_002', () => {
    const error = executionError(SERVER, {
      prompt_id: 'p',
      node_id: '3',
      node_type: 'KSampler',
      exception_type: 'RuntimeError',
      exception_message: 'shape mismatch',
    })
    expect(error.code).toBe('COMFY_002')
    expect(error.message).toBe(
      `COMFY_002: ComfyUI at ${SERVER}: node 3 (KSampler) failed with RuntimeError: shape mismatch`,
    )
  })

  it('turns an out-of-memory exception into IMG_010', () => {
    const error = executionError(SERVER, {
      node_id: '8',
      node_type: 'VAEDecode',
      exception_type: 'torch.OutOfMemoryError',
      exception_message: 'CUDA out of memory. Tried to allocate 2.00 GiB',
    })
    expect(error.code).toBe('IMG_010')
    expect(error.message).toContain('node 8 (VAEDecode)')
  })

  it('reads the failure of a history entry from its messages', () => {
    const entry = {
      outputs: {},
      status: {
        status_str: 'error',
        completed: false,
        messages: [
          ['execution_start', { prompt_id: 'p' }],
          [
            'execution_error',
            {
              prompt_id: 'p',
              node_id: '10',
              node_type: 'LoadImage',
              exception_type: 'FileNotFoundError',
              exception_message: 'no such file',
            },
          ],
        ] as [string, Record<string, unknown>][],
      },
    }
    expect(historyFailure(SERVER, entry).message).toContain(
      'node 10 (LoadImage) failed with FileNotFoundError: no such file',
    )
    const interrupted = {
      outputs: {},
      status: {
        status_str: 'error',
        completed: false,
        messages: [['execution_interrupted', { node_id: '3', node_type: 'KSampler' }]] as [
          string,
          Record<string, unknown>,
        ][],
      },
    }
    expect(historyFailure(SERVER, interrupted).message).toContain(
      'interrupted on the server at node 3 (KSampler)',
    )
  })
})
