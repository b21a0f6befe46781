import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { NVIDIA_SMI_ARGS, readNvidiaSmi } from '../../../src/providers/gpu/nvidia-smi.js'
import { fakeNvidiaSmi, pathWith } from './fake-nvidia-smi.js'

describe('readNvidiaSmi with a fake nvidia-smi first on PATH', () => {
  it('reads the chosen GPU in MiB with the documented query', async () => {
    const fake = fakeNvidiaSmi({ stdout: '20480, 24564, 4084\n1000, 8192, 7192\n' })
    const env = { PATH: pathWith(fake.dir) }
    expect(await readNvidiaSmi({ env })).toEqual({
      reading: {
        source: 'nvidia-smi',
        index: 0,
        name: undefined,
        totalMib: 24564,
        freeMib: 20480,
        usedMib: 4084,
      },
    })
    expect((await readNvidiaSmi({ env, index: 1 })).reading?.freeMib).toBe(1000)
    expect(readFileSync(fake.argsFile, 'utf8').trim().split('\n')).toEqual(NVIDIA_SMI_ARGS)
    expect(NVIDIA_SMI_ARGS).toEqual([
      '--query-gpu=memory.free,memory.total,memory.used',
      '--format=csv,noheader,nounits',
    ])
    expect((await readNvidiaSmi({ env, index: 2 })).reason).toBe('nvidia-smi lists no GPU 2')
  })

  it('derives a missing field from the other two, and gives up on [N/A] (MIG)', async () => {
    const derived = fakeNvidiaSmi({ stdout: '[N/A], 24564, 4084\n' })
    expect((await readNvidiaSmi({ env: { PATH: pathWith(derived.dir) } })).reading).toMatchObject({
      freeMib: 20480,
      usedMib: 4084,
    })
    const mig = fakeNvidiaSmi({ stdout: '[N/A], [N/A], [N/A]\n' })
    expect((await readNvidiaSmi({ env: { PATH: pathWith(mig.dir) } })).reason).toMatch(
      /\[N\/A\].*MIG/,
    )
  })

  it('reports a missing nvidia-smi, a failing one and a hanging one', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'no-nvidia-smi-'))
    expect(await readNvidiaSmi({ env: { PATH: empty } })).toEqual({
      reason: 'nvidia-smi is not installed (not found on PATH)',
    })
    const failing = fakeNvidiaSmi({
      exitCode: 9,
      stderr: "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.",
    })
    expect((await readNvidiaSmi({ env: { PATH: pathWith(failing.dir) } })).reason).toBe(
      "nvidia-smi failed (exit 9): NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.",
    )
    const hanging = fakeNvidiaSmi({ stdout: '1, 2, 3\n', sleepS: 5 })
    expect(
      (await readNvidiaSmi({ env: { PATH: pathWith(hanging.dir) }, timeoutMs: 300 })).reason,
    ).toBe('nvidia-smi did not answer within 0.3 s')
  })
})
