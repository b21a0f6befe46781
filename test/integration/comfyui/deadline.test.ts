import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deadlineSignal } from '../../../src/core/abort.js'
import {
  startFakeComfyProcess,
  type FakeComfyHandle,
} from '../../fixtures/servers/fake-comfyui/start.js'
import { failJob, logText } from './helpers.js'
import { MemoryLogger } from '../../../src/core/logger.js'

/** Deadlines and cancellation stop our prompt on the server, and only ours. */

let fake: FakeComfyHandle
beforeAll(async () => {
  // 20 sampler steps of 400 ms: a job far longer than any deadline below.
  fake = await startFakeComfyProcess({ jobMs: 8000 })
})
afterAll(async () => {
  await fake?.stop()
})

const SLOW = { prompt: 'a slow render', seed: 1, width: 64, height: 64, steps: 20 }

async function historyOf(
  promptId: string,
): Promise<Record<string, { status: { status_str: string; completed: boolean } }>> {
  return (await (await fetch(`${fake.url}/history/${promptId}`)).json()) as Record<
    string,
    { status: { status_str: string; completed: boolean } }
  >
}

describe('deadline', () => {
  it('interrupts our running prompt on the server (POST /interrupt with its id) and reports IMG_003', async () => {
    const deadline = deadlineSignal(900, 'ComfyUI image 1')
    const logger = new MemoryLogger()
    const error = await failJob(fake.url, 'sdxl-text-to-image', SLOW, {
      signal: deadline.signal,
      logger,
    })
    deadline.clear()
    expect(error.code).toBe('IMG_003')
    expect(error.message).toBe('IMG_003: ComfyUI image 1 did not finish within 0.9 s.')
    const queued = (await fake.log('queued')).at(-1)!
    const promptId = queued['prompt_id'] as string
    const interrupts = await fake.log('interrupt')
    expect(interrupts).toEqual([
      expect.objectContaining({ prompt_id: promptId, running: promptId, interrupted: true }),
    ])
    expect(logText(logger)).toContain(
      'interrupted on the server (IMG_003: ComfyUI image 1 did not finish within 0.9 s.)',
    )
    // The server stopped it: an error entry in its history.
    await expect
      .poll(async () => (await historyOf(promptId))[promptId]?.status)
      .toEqual({ status_str: 'error', completed: false, messages: expect.any(Array) })
  })

  it('removes our pending prompt from the queue and leaves the running one (someone else’s) alone', async () => {
    // Someone else's prompt, queued without a client id, occupies the worker.
    const other = await fetch(`${fake.url}/prompt`, {
      method: 'POST',
      body: JSON.stringify({
        prompt: {
          '1': {
            class_type: 'EmptyImage',
            inputs: { width: 8, height: 8, batch_size: 1, color: 0 },
          },
          '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'other' } },
          '3': {
            class_type: 'CheckpointLoaderSimple',
            inputs: { ckpt_name: 'sd_xl_base_1.0.safetensors' },
          },
          '4': { class_type: 'CLIPTextEncode', inputs: { text: 'x', clip: ['3', 1] } },
          '5': { class_type: 'EmptyLatentImage', inputs: { width: 64, height: 64, batch_size: 1 } },
          '6': {
            class_type: 'KSampler',
            inputs: {
              model: ['3', 0],
              seed: 1,
              steps: 20,
              cfg: 7,
              sampler_name: 'euler',
              scheduler: 'normal',
              positive: ['4', 0],
              negative: ['4', 0],
              latent_image: ['5', 0],
              denoise: 1,
            },
          },
          '7': { class_type: 'VAEDecode', inputs: { samples: ['6', 0], vae: ['3', 2] } },
          '8': { class_type: 'SaveImage', inputs: { images: ['7', 0], filename_prefix: 'other' } },
        },
      }),
    })
    const otherId = ((await other.json()) as { prompt_id: string }).prompt_id
    const before = (await fake.log('interrupt')).length
    const deadline = deadlineSignal(700, 'ComfyUI image 2')
    const error = await failJob(fake.url, 'sdxl-text-to-image', SLOW, { signal: deadline.signal })
    deadline.clear()
    expect(error.code).toBe('IMG_003')
    const ours = (await fake.log('queued')).at(-1)!['prompt_id'] as string
    expect(ours).not.toBe(otherId)
    expect((await fake.log('queue_delete')).at(-1)).toMatchObject({
      requested: [ours],
      removed: [ours],
    })
    expect((await fake.log('interrupt')).length).toBe(before)
    // The other prompt still runs (not interrupted by our deadline).
    const queue = (await (await fetch(`${fake.url}/queue`)).json()) as {
      queue_running: unknown[][]
    }
    expect(queue.queue_running[0]?.[1]).toBe(otherId)
    await fetch(`${fake.url}/interrupt`, {
      method: 'POST',
      body: JSON.stringify({ prompt_id: otherId }),
    })
  })

  it('interrupts our prompt on cancellation too (RUN_001)', async () => {
    await expect
      .poll(
        async () =>
          ((await (await fetch(`${fake.url}/queue`)).json()) as { queue_running: unknown[] })
            .queue_running.length,
        { timeout: 5000 },
      )
      .toBe(0)
    const controller = new AbortController()
    setTimeout(() => controller.abort(new Error('SIGTERM')), 800)
    const error = await failJob(fake.url, 'sdxl-text-to-image', SLOW, { signal: controller.signal })
    expect(error.code).toBe('RUN_001')
    const promptId = (await fake.log('queued')).at(-1)!['prompt_id']
    expect((await fake.log('interrupt')).at(-1)).toMatchObject({
      prompt_id: promptId,
      interrupted: true,
    })
  })
})
