import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  startFakeComfyProcess,
  type FakeComfyHandle,
} from '../../fixtures/servers/fake-comfyui/start.js'
import { NO_NVIDIA_SMI_ENV, failJob, logText, runJob, solidPng } from '../comfyui/helpers.js'
import { fakeNvidiaSmi, pathWith } from './fake-nvidia-smi.js'

/**
 * The GPU memory gate of ComfyUI jobs: refused with IMG_010 before anything is uploaded or
 * submitted, read from a fake `nvidia-smi` first on the PATH or from the fake server's
 * `/system_stats`; before / after / delta recorded for the telemetry.
 */

let roomy: FakeComfyHandle
let tight: FakeComfyHandle
let freeable: FakeComfyHandle
let loading: FakeComfyHandle
let cpu: FakeComfyHandle

beforeAll(async () => {
  ;[roomy, tight, freeable, loading, cpu] = await Promise.all([
    startFakeComfyProcess({ vramFreeMib: 20480 }),
    startFakeComfyProcess({ vramFreeMib: 1024 }),
    startFakeComfyProcess({ vramFreeMib: 1024, freeReleasesMib: 12000, freeDelayMs: 150 }),
    startFakeComfyProcess({ vramFreeMib: 20480, modelVramMib: 6000 }),
    startFakeComfyProcess({ cpu: true }),
  ])
})
afterAll(async () => {
  await Promise.all([roomy, tight, freeable, loading, cpu].map((f) => f?.stop()))
})

const JOB = { prompt: 'gpu test', seed: 2, width: 64, height: 64, steps: 2 }

describe('not enough GPU memory', () => {
  it('nvidia-smi on the PATH: IMG_010 before anything is uploaded or submitted', async () => {
    const smi = fakeNvidiaSmi({ stdout: '2048, 24564, 22516\n' })
    const input = await solidPng(32, 32, [1, 2, 3])
    const error = await failJob(
      roomy.url,
      'sdxl-image-to-image',
      { ...JOB, inputImages: [input] },
      {
        gpu: { env: { PATH: pathWith(smi.dir) }, freeWhenShort: false },
      },
    )
    expect(error.code).toBe('IMG_010')
    expect(error.message).toBe(
      `IMG_010: ComfyUI ${roomy.url}: not enough GPU memory for the sdxl-image-to-image workflow: it needs about 8192 MiB free, GPU 0 has 2048 MiB free of 24564 MiB (read with nvidia-smi). Nothing was submitted. Free GPU memory (other programs, other jobs), or use a smaller workflow.`,
    )
    // The server has 20 GiB free by its own account: the local nvidia-smi reading decided.
    expect(await roomy.log('upload')).toEqual([])
    expect(await roomy.log('prompt')).toEqual([])
  })

  it('/system_stats (bytes): IMG_010, also after asking the server to unload its models', async () => {
    const error = await failJob(tight.url, 'sdxl-text-to-image', JOB, {
      gpu: { env: NO_NVIDIA_SMI_ENV, freeWaitMs: 600 },
    })
    expect(error.code).toBe('IMG_010')
    expect(error.message).toContain(
      'needs about 8192 MiB free, GPU 0 (cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync) has 1024 MiB free of 24564 MiB (read with /system_stats), also after asking the server to unload its models.',
    )
    expect(await tight.log('free')).toEqual([
      expect.objectContaining({ body: { unload_models: true, free_memory: true } }),
    ])
    expect(await tight.log('prompt')).toEqual([])
  })

  it('a template need can be overridden', async () => {
    const { result } = await runJob(tight.url, 'sdxl-text-to-image', JOB, {
      gpu: { env: NO_NVIDIA_SMI_ENV, requiredMib: 512 },
    })
    expect(result.outputs).toHaveLength(1)
  })

  it('the pool passes over a server without enough memory', async () => {
    const { result, logger } = await runJob([tight.url, cpu.url], 'sdxl-text-to-image', JOB, {
      gpu: { env: NO_NVIDIA_SMI_ENV, freeWhenShort: false },
    })
    expect(result.server).toBe(cpu.url)
    expect(logText(logger)).toContain(`ComfyUI ${tight.url} not used: IMG_010`)
  })
})

describe('enough memory', () => {
  it('POST /free that frees enough lets the job run', async () => {
    const { result, logger } = await runJob(freeable.url, 'sdxl-text-to-image', JOB, {
      gpu: { env: NO_NVIDIA_SMI_ENV },
    })
    expect(result.outputs).toHaveLength(1)
    const kinds = (await freeable.log())
      .map((e) => e.kind)
      .filter((k) => k === 'free' || k === 'prompt')
    expect(kinds).toEqual(['free', 'prompt'])
    expect(logText(logger)).toContain('asking the server to unload its models (POST /free)')
  })

  it('nvidia-smi [N/A] falls back to /system_stats; before, after and delta are recorded in MiB', async () => {
    const smi = fakeNvidiaSmi({ stdout: '[N/A], [N/A], [N/A]\n' })
    const { result } = await runJob(loading.url, 'sdxl-text-to-image', JOB, {
      gpu: { env: { PATH: pathWith(smi.dir) } },
    })
    // The checkpoint stays loaded after the job and holds 6000 MiB.
    expect(result.gpuMemory).toEqual({ before_mib: 4084, after_mib: 10084, delta_mib: 6000 })
  })

  it('a readable nvidia-smi is used for before and after', async () => {
    const smi = fakeNvidiaSmi({ stdout: '16384, 24564, 8180\n' })
    const { result } = await runJob(roomy.url, 'sdxl-text-to-image', JOB, {
      gpu: { env: { PATH: pathWith(smi.dir) } },
    })
    expect(result.gpuMemory).toEqual({ before_mib: 8180, after_mib: 8180, delta_mib: 0 })
  })

  it('a server on the CPU: no check, no GPU record', async () => {
    const { result, logger } = await runJob(cpu.url, 'sdxl-text-to-image', JOB, {
      gpu: { env: NO_NVIDIA_SMI_ENV },
    })
    expect(result.gpuMemory).toBeNull()
    expect(logText(logger)).toContain(
      `ComfyUI ${cpu.url}: GPU memory not checked (nvidia-smi is not installed (not found on PATH); ComfyUI runs on the CPU (no GPU device in /system_stats)).`,
    )
  })
})
