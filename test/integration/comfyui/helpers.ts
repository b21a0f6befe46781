import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { ComfyPool } from '../../../src/providers/comfyui/pool.js'
import {
  generateWithComfyUI,
  type ComfyJobOptions,
  type ComfyJobParams,
  type ComfyJobResult,
} from '../../../src/providers/comfyui/provider.js'
import { MemoryLogger } from '../../../src/core/logger.js'

/** A PATH without nvidia-smi, so the GPU check reads the fake's /system_stats whatever the host has. */
export const NO_NVIDIA_SMI_ENV = { PATH: mkdtempSync(path.join(tmpdir(), 'no-nvidia-smi-')) }

/** A real PNG of one colour. */
export async function solidPng(
  width: number,
  height: number,
  rgb: [number, number, number],
): Promise<Buffer> {
  return sharp({
    create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } },
  })
    .png()
    .toBuffer()
}

/** Width, height and channel means of an image file. */
export async function describeImage(
  bytes: Buffer,
): Promise<{ width: number; height: number; format: string; means: number[] }> {
  const image = sharp(bytes)
  const meta = await image.metadata()
  const stats = await image.stats()
  return {
    width: meta.width ?? 0,
    height: meta.height ?? 0,
    format: meta.format ?? '',
    means: stats.channels.map((c) => Math.round(c.mean)),
  }
}

/** Runs one job on a pool of `urls` with test-friendly timings; the logger is returned too. */
export async function runJob(
  urls: string | string[],
  template: string,
  params: ComfyJobParams,
  opts: Partial<ComfyJobOptions> & { logger?: MemoryLogger; pool?: ComfyPool } = {},
): Promise<{ result: ComfyJobResult; logger: MemoryLogger }> {
  const logger = opts.logger ?? new MemoryLogger()
  const pool = opts.pool ?? new ComfyPool(Array.isArray(urls) ? urls : [urls], { logger })
  const result = await generateWithComfyUI(pool, template, params, {
    signal: AbortSignal.timeout(20_000),
    pollIntervalMs: 100,
    silenceMs: 400,
    progressIntervalMs: 0,
    reconnectDelayMs: 50,
    gpu: { env: NO_NVIDIA_SMI_ENV },
    ...opts,
    logger,
  })
  return { result, logger }
}

/** Runs a job expected to fail; returns the error (a test failure if it succeeds). */
export async function failJob(
  urls: string | string[],
  template: string,
  params: ComfyJobParams,
  opts: Partial<ComfyJobOptions> & { logger?: MemoryLogger; pool?: ComfyPool } = {},
): Promise<Error & { code?: string }> {
  try {
    await runJob(urls, template, params, opts)
  } catch (error) {
    return error as Error & { code?: string }
  }
  throw new Error('the job succeeded but was expected to fail')
}

export function logText(logger: MemoryLogger): string {
  return logger.lines.map((l) => `${l.level}: ${l.message}`).join('\n')
}
