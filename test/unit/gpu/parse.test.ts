import { describe, expect, it } from 'vitest'
import { gpuMemoryRecord, isLoopback } from '../../../src/providers/gpu/check.js'
import { parseNvidiaSmi } from '../../../src/providers/gpu/nvidia-smi.js'
import { gpuFromSystemStats } from '../../../src/providers/gpu/system-stats.js'

describe('nvidia-smi CSV (MiB)', () => {
  it('reads one line per GPU in index order, [N/A] as null', () => {
    expect(parseNvidiaSmi('20480, 24564, 4084\n[N/A], 40960, [N/A]\n\n')).toEqual([
      { index: 0, freeMib: 20480, totalMib: 24564, usedMib: 4084 },
      { index: 1, freeMib: null, totalMib: 40960, usedMib: null },
    ])
    expect(parseNvidiaSmi('')).toEqual([])
  })
})

describe('/system_stats (bytes)', () => {
  it('converts the primary device to whole MiB', () => {
    const result = gpuFromSystemStats({
      devices: [
        {
          name: 'cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync',
          type: 'cuda',
          index: 0,
          vram_total: 25_757_220_864,
          vram_free: 21_474_836_480,
        },
        { name: 'cuda:1', type: 'cuda', index: 1, vram_total: 1, vram_free: 1 },
      ],
    })
    expect(result.reading).toEqual({
      source: 'system-stats',
      index: 0,
      name: 'cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync',
      totalMib: 24564,
      freeMib: 20480,
      usedMib: 4084,
    })
  })

  it('gives a reason for a --cpu server and for missing fields', () => {
    expect(
      gpuFromSystemStats({
        devices: [{ name: 'cpu', type: 'cpu', index: null, vram_total: 3e10, vram_free: 2e10 }],
      }).reason,
    ).toMatch(/CPU/)
    expect(gpuFromSystemStats({}).reason).toMatch(/no device/)
    expect(gpuFromSystemStats({ devices: [{ type: 'cuda' }] }).reason).toMatch(/vram_total/)
  })
})

describe('telemetry record and loopback', () => {
  it('records memory in use before, after and the delta', () => {
    const at = (usedMib: number) => ({
      source: 'nvidia-smi' as const,
      index: 0,
      name: undefined,
      totalMib: 24564,
      freeMib: 24564 - usedMib,
      usedMib,
    })
    expect(gpuMemoryRecord(at(4000), at(10500))).toEqual({
      before_mib: 4000,
      after_mib: 10500,
      delta_mib: 6500,
    })
    expect(gpuMemoryRecord(at(9000), at(1000))).toEqual({
      before_mib: 9000,
      after_mib: 1000,
      delta_mib: -8000,
    })
    expect(gpuMemoryRecord(null, at(1))).toBeNull()
  })

  it('knows which servers run on this machine', () => {
    expect(isLoopback('http://127.0.0.1:8188')).toBe(true)
    expect(isLoopback('http://localhost:8188')).toBe(true)
    expect(isLoopback('http://[::1]:8188')).toBe(true)
    expect(isLoopback('http://127.5.0.1')).toBe(true)
    expect(isLoopback('http://192.168.1.20:8188')).toBe(false)
    expect(isLoopback('http://127.0.0.1.example.com')).toBe(false)
  })
})
