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
