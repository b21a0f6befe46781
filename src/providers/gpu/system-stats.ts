import type { GpuReadResult, StatsDevice } from './types.js'

/** Bytes per MiB. ComfyUI's `/system_stats` reports memory in **bytes**. */
export const BYTES_PER_MIB = 1024 * 1024

/**
 * The primary device of a ComfyUI `/system_stats` answer as a reading in MiB (whole MiB,
 * rounded down). Newer servers list every torch device with the primary one first. A server
 * started with `--cpu` reports a device named and typed `cpu` whose "vram" is system RAM: that
 * is no GPU, and gives a reason instead.
 */
export function gpuFromSystemStats(stats: { devices?: StatsDevice[] }): GpuReadResult {
  const device = stats.devices?.[0]
  if (!device) return { reason: '/system_stats lists no device' }
  if (device.type === 'cpu' || device.name === 'cpu') {
    return { reason: 'ComfyUI runs on the CPU (no GPU device in /system_stats)' }
  }
  const total = device.vram_total
  const free = device.vram_free
  if (typeof total !== 'number' || typeof free !== 'number' || total <= 0 || free < 0) {
    return { reason: '/system_stats gives no usable vram_total / vram_free' }
  }
  const totalMib = Math.floor(total / BYTES_PER_MIB)
  const freeMib = Math.floor(free / BYTES_PER_MIB)
  return {
    reading: {
      source: 'system-stats',
      index: typeof device.index === 'number' ? device.index : null,
      name: device.name,
      totalMib,
      freeMib,
      usedMib: Math.max(totalMib - freeMib, 0),
    },
  }
}
