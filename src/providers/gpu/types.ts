/** Where a GPU memory reading came from. */
export type GpuSource = 'nvidia-smi' | 'system-stats'

/** Memory of one GPU at one moment, in MiB (1 MiB = 1 048 576 bytes). */
export interface GpuReading {
  source: GpuSource
  /** Device index (nvidia-smi line, or `/system_stats` `index`); null when the server gives none. */
  index: number | null
  /** Device name when the source gives one (`/system_stats`). */
  name: string | undefined
  totalMib: number
  freeMib: number
  usedMib: number
}

/** A reading, or why there is none (no GPU, tool missing, `[N/A]` fields, …). */
export type GpuReadResult =
  { reading: GpuReading; reason?: undefined } | { reading?: undefined; reason: string }

/** One device of a ComfyUI `GET /system_stats` answer, as far as the GPU check reads it. */
export interface StatsDevice {
  name?: string
  type?: string
  index?: number | null
  /** Bytes. */
  vram_total?: number
  /** Bytes. */
  vram_free?: number
}

/**
 * The server whose GPU memory is checked: what the check needs of a ComfyUI client
 * (`ComfyClient` in `src/providers/comfyui/client.ts` has this shape). Declared here so that
 * the GPU check does not depend on the ComfyUI folder (ComfyUI depends on the check).
 */
export interface GpuServer {
  /** Base URL (its host decides whether `nvidia-smi` may read this machine's GPU). */
  readonly url: string
  /** `GET /system_stats`: the devices, primary first. */
  systemStats(signal?: AbortSignal): Promise<{ devices?: StatsDevice[] }>
  /** `POST /free`: asks the server to unload models and free memory. */
  free(
    body: { unload_models?: boolean; free_memory?: boolean },
    signal?: AbortSignal,
  ): Promise<void>
}
