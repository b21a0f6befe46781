import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryLogger } from '../../../src/core/logger.js'
import { ComfyPool } from '../../../src/providers/comfyui/pool.js'
import type { ComfyModelJob } from '../../../src/providers/kinds/job.js'
import { JobRunner } from '../../../src/runner/job-runner.js'
import { RunJournal } from '../../../src/runner/journal.js'
import { jobKey, promptIdOf } from '../../../src/runner/journal-key.js'
import {
  startFakeComfyProcess,
  type FakeComfyHandle,
} from '../../fixtures/servers/fake-comfyui/start.js'
import { NO_NVIDIA_SMI_ENV } from '../comfyui/helpers.js'

/** A fetch whose first `POST /prompt` loses its answer: `after` the server got it, or before. */
function losingFetch(when: 'after' | 'before'): typeof fetch {
  let lost = false
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    if (!lost && init?.method === 'POST' && url.endsWith('/prompt')) {
      lost = true
      if (when === 'after') await fetch(input, init)
      throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } })
    }
    return fetch(input, init)
  }
}

describe('idempotent ComfyUI submission (issue 11)', () => {
  let server: FakeComfyHandle
  const folders: string[] = []
  beforeAll(async () => {
    server = await startFakeComfyProcess({ jobMs: 100 })
  })
  afterAll(async () => {
    await server?.stop()
    await Promise.all(folders.map((f) => rm(f, { recursive: true, force: true })))
  })

  const job = (seed: number): ComfyModelJob => ({
    provider: 'comfyui',
    label: 'sdxl-local',
    template: 'sdxl-text-to-image',
    params: { prompt: 'a durable teapot', seed, width: 64, height: 64 },
    gpu: { env: NO_NVIDIA_SMI_ENV },
  })

  async function runOnce(seed: number, folder: string, fetchImpl: typeof fetch) {
    const logger = new MemoryLogger()
    const journal = await RunJournal.open(folder, { resume: 'auto', logger })
    const pool = new ComfyPool([server.url], { logger, fetch: fetchImpl })
    const runner = new JobRunner({ comfy: () => pool }, {}, journal)
    try {
      return await runner.run(job(seed), { signal: AbortSignal.timeout(20_000), logger })
    } finally {
      await journal.close()
    }
  }

  const promptsWith = async (id: string) => ({
    posted: (await server.log('prompt')).filter((e) => e['prompt_id'] === id).length,
    queued: (await server.log('queued')).filter((e) => e['prompt_id'] === id).length,
  })

  it('after a lost answer it finds the prompt on the server: one submit, one run', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'durable-comfy-'))
    folders.push(folder)
    const id = promptIdOf(jobKey(job(11)), folder)
    const output = await runOnce(11, folder, losingFetch('after'))
    expect(output.handle.id).toBe(id)
    expect(output.media.length).toBeGreaterThan(0)
    expect(await promptsWith(id)).toEqual({ posted: 1, queued: 1 })

    // A re-run into the same folder (the first run killed after submitting) sends the same
    // prompt_id, finds the finished prompt and runs nothing again.
    const again = await runOnce(11, folder, fetch)
    expect(again.handle.id).toBe(id)
    expect(Buffer.from(again.media[0]?.bytes ?? [])).toEqual(
      Buffer.from(output.media[0]?.bytes ?? []),
    )
    expect(await promptsWith(id)).toEqual({ posted: 1, queued: 1 })
  }, 60_000)

  it('when the request never arrived, the retry submits it with the same prompt_id, once', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'durable-comfy-'))
    folders.push(folder)
    const id = promptIdOf(jobKey(job(12)), folder)
    const fetchImpl = losingFetch('before')
    await expect(runOnce(12, folder, fetchImpl)).rejects.toMatchObject({ code: 'IMG_008' })
    expect(await promptsWith(id)).toEqual({ posted: 0, queued: 0 })
    // The generation queue retries IMG_008: the same job, the same prompt_id.
    const output = await runOnce(12, folder, fetchImpl)
    expect(output.handle.id).toBe(id)
    expect(await promptsWith(id)).toEqual({ posted: 1, queued: 1 })
  }, 60_000)
})
