import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ComfyPool } from '../../../src/providers/comfyui/pool.js'
import { runComfyTemplate } from '../../../src/providers/comfyui/provider.js'
import { getTemplate, type ComfyTemplate } from '../../../src/providers/comfyui/templates/index.js'
import { MemoryLogger } from '../../../src/core/logger.js'
import {
  startFakeComfyProcess,
  type FakeComfyHandle,
  type FakeComfyOptions,
} from '../../fixtures/servers/fake-comfyui/start.js'
import { NO_NVIDIA_SMI_ENV, describeImage, failJob, logText, runJob, solidPng } from './helpers.js'

/**
 * The ComfyUI client and provider against fake servers that follow each documented behaviour
 * of the ComfyUI source (one real process per server profile).
 */

const PROFILES = {
  /** A current server: both completion signals, /api and bare routes, object-style errors. */
  modern: {},
  /** An older server: only `executing {node:null}`, bare routes only, string errors, its own prompt ids, an input folder where names clash. */
  old: {
    completion: 'executing-null',
    paths: 'bare',
    legacyErrors: true,
    ignoreClientPromptId: true,
    uploadClash: true,
  },
  /** Behind a proxy exposing /api only: `execution_success` before the history entry exists, other prompts' broadcasts, type 1 previews and type 3 texts, a 200 with node_errors. */
  busy: {
    completion: 'execution-success',
    historyDelayMs: 300,
    paths: 'api',
    noise: true,
    previewType: '1',
    progressText: true,
    nodeErrorsOn200: true,
  },
  /** A socket that never signals completion (long silent nodes, lost messages). */
  silent: { completion: 'none', jobMs: 1200 },
  /** No WebSocket at all (403 on the upgrade). */
  noWs: { ws: 'off' },
  /** The socket drops mid-run. */
  dropping: { dropSocketAfter: 6, jobMs: 700 },
  /** The socket drops mid-run, and the reconnected socket stays mute (ComfyUI #16010). */
  zombie: { dropSocketAfter: 6, zombieReconnect: true, jobMs: 700 },
  /** The sampler raises. */
  failing: {
    failClass: 'KSampler',
    failType: 'RuntimeError',
    failMessage: 'mat1 and mat2 shapes cannot be multiplied (77x2048 and 768x320)',
  },
  /** Outputs deleted behind the server's back: /view answers 404. */
  viewMissing: { viewMissing: true },
} satisfies Record<string, FakeComfyOptions>

const fakes = {} as Record<keyof typeof PROFILES, FakeComfyHandle>

beforeAll(async () => {
  const started = await Promise.all(
    Object.entries(PROFILES).map(
      async ([name, options]) =>
        [name, await startFakeComfyProcess(options as FakeComfyOptions)] as const,
    ),
  )
  for (const [name, handle] of started) fakes[name as keyof typeof PROFILES] = handle
})
afterAll(async () => {
  await Promise.all(Object.values(fakes).map((fake) => fake?.stop()))
})

const T2I = {
  prompt: 'a red fox in "snow", {cinematic}',
  negativePrompt: 'blurry',
  seed: 42,
  width: 96,
  height: 64,
  steps: 4,
  cfg: 6.5,
}

describe('a current server', () => {
  it('makes the image: socket first, parameters through the mapping, progress logged, outputs from /history and /view', async () => {
    const { result, logger } = await runJob(fakes.modern.url, 'sdxl-text-to-image', T2I)
    expect(result.outputs).toHaveLength(1)
    const output = result.outputs[0]!
    expect(output).toMatchObject({
      mediaType: 'image/png',
      subfolder: 'kamui',
      type: 'output',
      nodeId: '9',
    })
    expect(output.filename).toMatch(/^sdxl-text-to-image-[0-9a-f]{8}_00001_\.png$/)
    expect(await describeImage(output.bytes)).toMatchObject({
      width: 96,
      height: 64,
      format: 'png',
    })
    expect(result.follow).toMatchObject({
      websocket: true,
      signal: 'execution_success',
      reconnects: 0,
    })
    expect(result.server).toBe(fakes.modern.url)
    expect(result.generationMs).toBeGreaterThan(0)
    expect(result.gpuMemory).toEqual({ before_mib: 4084, after_mib: 4084, delta_mib: 0 })

    const log = await fakes.modern.log()
    const prompt = log.find((e) => e.kind === 'prompt' && e['prompt_id'] === result.promptId)!
    const connect = log.find(
      (e) => e.kind === 'ws' && e['event'] === 'connect' && e['client_id'] === prompt['client_id'],
    )!
    expect(connect['path']).toBe('/api/ws')
    expect(connect.t).toBeLessThanOrEqual(prompt.t)
    expect(log.indexOf(connect)).toBeLessThan(log.indexOf(prompt))
    const nodes = prompt['prompt'] as Record<string, { inputs: Record<string, unknown> }>
    expect(nodes['6']!.inputs['text']).toBe(T2I.prompt)
    expect(nodes['7']!.inputs['text']).toBe('blurry')
    expect(nodes['3']!.inputs).toMatchObject({ seed: 42, steps: 4, cfg: 6.5 })
    expect(nodes['5']!.inputs).toMatchObject({ width: 96, height: 64 })

    const text = logText(logger)
    expect(text).toContain('KSampler (node 3) step 1/4.')
    expect(text).toContain('KSampler (node 3) step 4/4.')
    expect(text).toMatch(/started after \d+ ms in the queue/)
  })

  it('reports an object-style 400 as COMFY_001 naming node, class and error type', async () => {
    const error = await failJob(fakes.modern.url, 'sdxl-text-to-image', {
      ...T2I,
      overrides: { '4.ckpt_name': 'missing.safetensors' },
    })
    expect(error.code).toBe('COMFY_001')
    expect(error.message).toContain(
      'Prompt outputs failed validation [prompt_outputs_failed_validation]',
    )
    expect(error.message).toMatch(
      /node 4 \(CheckpointLoaderSimple\): Value not in list: ckpt_name: 'missing.safetensors' not in .*\[value_not_in_list, input ckpt_name\]/,
    )
  })

  it('warns about node_errors of another output on a 200, and fails at once when our output was dropped', async () => {
    const base = getTemplate('sdxl-text-to-image')
    const other: ComfyTemplate = structuredClone(base)
    other.workflow['20'] = { class_type: 'LoadImage', inputs: { image: 'not-uploaded.png' } }
    other.workflow['21'] = { class_type: 'PreviewImage', inputs: { images: ['20', 0] } }
    const logger = new MemoryLogger()
    const pool = new ComfyPool([fakes.modern.url], { logger })
    const options = {
      signal: AbortSignal.timeout(20_000),
      logger,
      pollIntervalMs: 100,
      gpu: { env: NO_NVIDIA_SMI_ENV },
    }
    const ok = await runComfyTemplate(pool, other, T2I, options)
    expect(ok.outputs).toHaveLength(1)
    expect(ok.warnings).toEqual([
      expect.stringContaining(
        'node 20 (LoadImage): Custom validation failed for node: image - Invalid image file: not-uploaded.png [custom_validation_failed, input image]',
      ),
    ])

    const ours: ComfyTemplate = structuredClone(base)
    ours.workflow['20'] = { class_type: 'LoadImage', inputs: { image: 'not-uploaded.png' } }
    ours.workflow['9']!.inputs['images'] = ['20', 0]
    ours.workflow['21'] = { class_type: 'PreviewImage', inputs: { images: ['8', 0] } }
    const error = await runComfyTemplate(pool, ours, { ...T2I, steps: 30 }, options).then(
      () => new Error('expected a rejection') as Error & { code?: string },
      (e: unknown) => e as Error & { code: string },
    )
    expect(error).toMatchObject({ code: 'COMFY_001' })
    expect(error.message).toContain('the output node 9 failed validation and was dropped')
    const queued = (await fakes.modern.log('queued')).at(-1)!
    expect(queued['outputs']).toEqual(['21'])
    // The half-queued prompt was stopped on the server (interrupted if running, else deleted).
    const stops = [
      ...(await fakes.modern.log('interrupt')),
      ...(await fakes.modern.log('queue_delete')),
    ]
    expect(
      stops.some(
        (s) =>
          s['prompt_id'] === queued['prompt_id'] ||
          (s['removed'] as string[] | undefined)?.includes(queued['prompt_id'] as string),
      ),
    ).toBe(true)
  })

  it('image to video: uploads the first frame and downloads an MP4', async () => {
    const frame = await solidPng(64, 64, [40, 120, 200])
    const { result } = await runJob(fakes.modern.url, 'svd-image-to-video', {
      seed: 3,
      width: 64,
      height: 64,
      frames: 6,
      fps: 6,
      steps: 2,
      inputImages: [frame],
    })
    expect(result.produces).toBe('video')
    expect(result.outputs[0]!.mediaType).toBe('video/mp4')
    expect(result.outputs[0]!.filename).toMatch(/\.mp4$/)
    expect(result.outputs[0]!.bytes.subarray(4, 8).toString('latin1')).toBe('ftyp')
  })

  it('depth estimation: a grey depth map of the uploaded image at its size', async () => {
    const image = await solidPng(80, 60, [200, 100, 50])
    const { result } = await runJob(fakes.modern.url, 'depth-anything-v2', {
      seed: 0,
      inputImages: [image],
    })
    const depth = await describeImage(result.outputs[0]!.bytes)
    expect(depth).toMatchObject({ width: 80, height: 60, format: 'png' })
    expect(new Set(depth.means).size).toBe(1)
  })
})

describe('an older server', () => {
  it('completes on executing {node:null}, uses bare routes and the server-chosen prompt id', async () => {
    const { result } = await runJob(fakes.old.url, 'sdxl-text-to-image', T2I)
    expect(result.follow).toMatchObject({ signal: 'executing_null', websocket: true })
    const log = await fakes.old.log()
    const queued = log.find((e) => e.kind === 'queued' && e['prompt_id'] === result.promptId)!
    const sent = log.filter((e) => e.kind === 'prompt').at(-1)!
    expect(sent['prompt_id']).not.toBe(result.promptId)
    expect(queued).toBeDefined()
    expect(log.find((e) => e.kind === 'ws' && e['event'] === 'connect')!['path']).toBe('/ws')
  })

  it('uses the name the server gave a renamed upload (name (1).ext) in LoadImage', async () => {
    const input = await solidPng(64, 48, [10, 200, 30])
    const { result, logger } = await runJob(fakes.old.url, 'sdxl-image-to-image', {
      prompt: 'same scene at dusk',
      seed: 5,
      width: 64,
      height: 48,
      steps: 3,
      denoise: 0.3,
      inputImages: [input],
    })
    expect(result.uploads).toHaveLength(1)
    expect(result.uploads[0]!.name).toMatch(/^kamui-[0-9a-f]{8}-1 \(1\)\.png$/)
    const upload = (await fakes.old.log('upload')).at(-1)!
    expect(upload['stored']).toBe(result.uploads[0]!.name)
    expect(upload['requested']).not.toBe(upload['stored'])
    const sent = (await fakes.old.log('prompt')).at(-1)!['prompt'] as Record<
      string,
      { inputs: Record<string, unknown> }
    >
    expect(sent['10']!.inputs['image']).toBe(result.uploads[0]!.name)
    expect(sent['3']!.inputs['denoise']).toBe(0.3)
    expect(logText(logger)).toContain(`was stored as "${result.uploads[0]!.name}"`)
    expect(await describeImage(result.outputs[0]!.bytes)).toMatchObject({ width: 64, height: 48 })
  })

  it('reports a string-style 400 as COMFY_001 with the message and the failing node', async () => {
    const error = await failJob(fakes.old.url, 'sdxl-text-to-image', {
      ...T2I,
      overrides: { '4.ckpt_name': 'missing.safetensors' },
    })
    expect(error.code).toBe('COMFY_001')
    expect(error.message).toContain(
      'rejected the workflow (HTTP 400): Prompt outputs failed validation',
    )
    expect(error.message).toContain('node 4 (CheckpointLoaderSimple)')
  })
})

describe('a busy server behind a proxy', () => {
  it('ignores other prompts, waits for the history after execution_success, keeps a 200 with node_errors as a warning', async () => {
    const { result, logger } = await runJob(fakes.busy.url, 'sdxl-text-to-image', T2I)
    expect(result.outputs).toHaveLength(1)
    expect(result.follow.signal).toBe('execution_success')
    // Type 1 previews and type 3 texts name no prompt; type 4 previews of other prompts are dropped.
    expect(result.follow.previews).toBe(0)
    expect(result.follow.unattributedFrames).toBeGreaterThan(0)
    const text = logText(logger)
    expect(text).not.toContain('/999')
    expect(text).toContain('KSampler (node 3) step 4/4.')
    expect(result.warnings).toEqual([
      expect.stringContaining('node 9001 (UpscaleModelLoader): Value not in list'),
    ])
    expect(logger.lines.some((l) => l.level === 'warn' && l.message.includes('node 9001'))).toBe(
      true,
    )
    const connect = (await fakes.busy.log('ws')).find((e) => e['event'] === 'connect')!
    expect(connect['path']).toBe('/api/ws')
  })
})

describe('sockets that fail', () => {
  it('polls /history while the socket stays silent ({} while running)', async () => {
    // One sampler step of 1.2 s: the socket says nothing for longer than the 400 ms silence limit.
    const { result } = await runJob(fakes.silent.url, 'sdxl-text-to-image', { ...T2I, steps: 1 })
    expect(result.outputs).toHaveLength(1)
    expect(result.follow).toMatchObject({ websocket: true, signal: 'history' })
    // Polls while it ran got {} (otherwise the first would have ended the wait).
    expect(result.follow.historyPolls).toBeGreaterThanOrEqual(3)
  })

  it('follows by polling when the WebSocket is refused', async () => {
    const { result, logger } = await runJob(fakes.noWs.url, 'sdxl-text-to-image', T2I)
    expect(result.outputs).toHaveLength(1)
    expect(result.follow).toMatchObject({ websocket: false, signal: 'history' })
    expect(logText(logger)).toMatch(
      /WebSocket unavailable \(Unexpected server response: 403\); following the prompt by polling/,
    )
  })

  it('reconnects with backoff after a drop mid-run and finishes', async () => {
    const { result, logger } = await runJob(fakes.dropping.url, 'sdxl-text-to-image', {
      ...T2I,
      steps: 10,
    })
    expect(result.outputs).toHaveLength(1)
    expect(result.follow.reconnects).toBeGreaterThanOrEqual(1)
    const events = (await fakes.dropping.log('ws')).map((e) => e['event'])
    expect(events).toEqual(expect.arrayContaining(['connect', 'dropped', 'reconnect']))
    expect(logText(logger)).toContain('WebSocket reconnected')
  })

  it('finishes through /history when the reconnected socket stays mute', async () => {
    const { result } = await runJob(fakes.zombie.url, 'sdxl-text-to-image', { ...T2I, steps: 10 })
    expect(result.outputs).toHaveLength(1)
    expect(result.follow.signal).toBe('history')
    expect((await fakes.zombie.log('ws')).map((e) => e['event'])).toContain('zombie')
  })
})

describe('failures while running', () => {
  it('maps execution_error to COMFY_002 naming node, class, exception and message', async () => {
    const error = await failJob(fakes.failing.url, 'sdxl-text-to-image', T2I)
    expect(error.code).toBe('COMFY_002')
    expect(error.message).toBe(
      `COMFY_002: ComfyUI at ${fakes.failing.url}: node 3 (KSampler) failed with RuntimeError: mat1 and mat2 shapes cannot be multiplied (77x2048 and 768x320)`,
    )
  })

  it('reports an output /view cannot find as COMFY_002', async () => {
    const error = await failJob(fakes.viewMissing.url, 'sdxl-text-to-image', T2I)
    expect(error.code).toBe('COMFY_002')
    expect(error.message).toMatch(
      /listed kamui\/sdxl-text-to-image-[0-9a-f]{8}_00001_\.png \[output\] as an output, but \/view answered 404/,
    )
  })
})
