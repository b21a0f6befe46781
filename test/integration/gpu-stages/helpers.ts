import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { resolveFfmpeg } from '../../../src/media/video/ffmpeg.js'
import { NO_NVIDIA_SMI_ENV } from '../comfyui/helpers.js'

/** One artifact record of metadata/artifact-metadata.json, as these tests read it. */
export interface ArtifactRecord {
  path: string
  media_type: string
  model: { alias: string; provider: string; server: string | null; workflow: string | null } | null
  gpu_memory: { before_mib: number; after_mib: number; delta_mib: number } | null
}

/** The artifact records of a folder's metadata/artifact-metadata.json. */
export async function artifactRecords(folder: string): Promise<ArtifactRecord[]> {
  const json = JSON.parse(
    await readFile(path.join(folder, 'metadata/artifact-metadata.json'), 'utf8'),
  ) as { artifacts: ArtifactRecord[] }
  return json.artifacts
}

/**
 * The environment of a `kamui` child: a PATH without nvidia-smi (so the GPU check reads the fake
 * ComfyUI's /system_stats whatever the host has) and ffmpeg / ffprobe named explicitly.
 */
export async function gpuStageEnv(): Promise<Record<string, string | undefined>> {
  // The product's resolution with its allow-bundled-ffmpeg switch (the system ffmpeg first).
  const tools = await resolveFfmpeg(process.env, { allowBundled: true })
  return {
    ...NO_NVIDIA_SMI_ENV,
    FFMPEG_PATH: tools.ffmpeg,
    FFPROBE_PATH: tools.ffprobe,
  }
}
