import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { readKeyframesFile } from '../../../src/stages/keyframes/keyframes-file.js'
import { verifyTelemetry } from '../../../src/output/telemetry/verify.js'
import {
  FAKE_RENDER_FAILURE,
  fakeKeyframesServer,
  type FakeKeyframesCall,
} from '../../fixtures/servers/fake-keyframes/start.js'
import { tempWorkspace } from '../../helpers/workspace.js'
import { FOUR_SEGMENTS, productPhotos, runStage, storyboardFile } from './helpers.js'

/** `segment:frame` of each call, sorted. */
function frames(calls: readonly FakeKeyframesCall[]): string[] {
  return calls.map((c) => `${c.segment}:${c.frame}`).sort()
}

async function setUp(): Promise<{ workspace: string; raw: Record<string, string> }> {
  const workspace = await tempWorkspace()
  const photos = await productPhotos(workspace)
  return {
    workspace,
    raw: {
      'storyboard-file': await storyboardFile(workspace),
      'product-images': photos.join(','),
    },
  }
}

describe('keyframes against a fake hosted server (nano-banana, seedream-4)', () => {
  it('a second identical run makes no model call and reports cache hits; a changed description redoes only what depends on it', async () => {
    const { workspace, raw } = await setUp()
    const fake = fakeKeyframesServer({ latencyMs: 40 })
    const config = { ...raw, 'mcp-config': fake.mcpConfig() }

    // One run id for the runs: each frame's provenance XMP names the run that wrote it (issue 16).
    const sameRun = { pollIntervalMs: 20, env: { PATH: process.env['PATH'], GITHUB_RUN_ID: '77' } }
    const first = await runStage(workspace, config, sameRun)
    expect(first.error).toBeUndefined()
    expect(frames(await fake.submits('nano_banana_submit'))).toEqual([
      '1:first',
      '1:last',
      '2:last',
      '3:last',
      '4:last',
    ])
    expect(frames(await fake.submits('seedream_4_submit'))).toEqual([
      '1:first',
      '1:last',
      '2:last',
      '3:last',
      '4:last',
    ])
    expect(first.result?.keyframes.cache).toMatchObject({ hits: 0, misses: 10 })
    expect(first.result?.keyframes.models).toMatchObject({
      enhancer: { label: 'nano-banana', preview: false },
      keyframe: { label: 'seedream-4', preview: false },
    })
    // a last frame gets its first frame as the first reference, then the three product photos
    const lastSubmit = (await fake.submits('seedream_4_submit')).find((c) => c.segment === 2)
    expect(lastSubmit?.image_urls).toBe(4)
    const costs = first.result?.keyframes.costs
    expect(costs?.byType['keyframe-generation']).toMatchObject({ calls: 5, unknownPriceCalls: 5 })
    expect(costs?.byType['nanobanana-enhancement']).toMatchObject({
      calls: 5,
      unknownPriceCalls: 5,
    })
    expect(costs?.complete).toBe(false)
    expect(costs?.note).toMatch(/priceUsd/)
    const firstFiles = await frameBytes(workspace)

    const before = (await fake.calls()).length
    const second = await runStage(workspace, config, sameRun)
    expect(second.error).toBeUndefined()
    expect((await fake.calls()).length).toBe(before)
    expect(second.result?.keyframes.cache).toMatchObject({
      hits: 10,
      misses: 0,
      byStep: { enhancement: { hits: 5, misses: 0 }, render: { hits: 5, misses: 0 } },
    })
    expect(second.result?.keyframes.costs.byType['keyframe-generation']).toMatchObject({
      calls: 0,
      cached: 5,
    })
    expect(await frameBytes(workspace)).toEqual(firstFiles)

    // segment 3's description changes: its own compositions, those of its neighbours (2 and 4,
    // which mention it) and the renders downstream of them are redone; segment 1 is not.
    const changed = FOUR_SEGMENTS.map((s, i) =>
      i === 2 ? { ...s, description: 'The mug on a balcony at noon.' } : s,
    )
    await storyboardFile(workspace, changed)
    const mark = (await fake.calls()).length
    const third = await runStage(workspace, config, sameRun)
    expect(third.error).toBeUndefined()
    const calls = (await fake.calls())
      .slice(mark)
      .filter((c) => c.outcome === 'ok' && c.tool.endsWith('_submit'))
    expect(frames(calls.filter((c) => c.tool === 'nano_banana_submit'))).toEqual([
      '2:last',
      '3:last',
      '4:last',
    ])
    expect(frames(calls.filter((c) => c.tool === 'seedream_4_submit'))).toEqual([
      '2:last',
      '3:last',
      '4:last',
    ])
    expect(third.result?.keyframes.cache.byStep).toMatchObject({
      enhancement: { hits: 2, misses: 3 },
      render: { hits: 2, misses: 3 },
    })
    const thirdFiles = await frameBytes(workspace)
    expect(thirdFiles['segment-1-first.png']).toEqual(firstFiles['segment-1-first.png'])
    expect(thirdFiles['segment-1-last.png']).toEqual(firstFiles['segment-1-last.png'])
    expect(thirdFiles['segment-3-last.png']).not.toEqual(firstFiles['segment-3-last.png'])
  })

  it('a segment whose render fails for good is marked failed with its reason, the others complete, and retry-segments redoes only it', async () => {
    const { workspace, raw } = await setUp()
    const failing = fakeKeyframesServer({ latencyMs: 30, failSegments: [2] })
    const run1 = await runStage(
      workspace,
      { ...raw, 'mcp-config': failing.mcpConfig() },
      { pollIntervalMs: 20 },
    )
    expect(run1.error).toBeUndefined()
    const result = run1.result
    expect(result?.failedSegments).toEqual([2])
    expect(result?.complete).toBe(false)
    const json = await readKeyframesFile(path.join(workspace, 'out/keyframes.json'))
    const failed = json.segments[1]
    expect(failed?.status).toBe('failed')
    expect(failed?.error?.code).toBe('KF_003')
    expect(failed?.error?.message).toContain(FAKE_RENDER_FAILURE)
    expect(failed?.lastFrame).toMatchObject({
      status: 'failed',
      path: null,
      error: { code: 'GEN_001' },
    })
    expect(failed?.lastFrame.error?.message).toContain(FAKE_RENDER_FAILURE)
    // segment 3 could not inherit: it generated its own first frame
    expect(json.segments[2]?.firstFrame).toMatchObject({ status: 'generated', inherited: false })
    expect(json.segments[2]?.firstFrame.fallback).toMatch(/segment 2 \(Body 1\) is missing/)
    expect(json.segments.map((s) => s.status)).toEqual([
      'complete',
      'failed',
      'complete',
      'complete',
    ])
    expect(json.summary.frames).toBe(7)
    const telemetry = JSON.parse(
      await readFile(path.join(workspace, 'out/metadata/artifact-metadata.json'), 'utf8'),
    ) as {
      errors: { code: string }[]
    }
    expect(telemetry.errors.map((e) => e.code)).toEqual(['KF_003'])
    expect((await verifyTelemetry(path.join(workspace, 'out'))).problems).toEqual([])
    const before = await frameBytes(workspace)

    // the server recovered; retry only segment 2
    const healthy = fakeKeyframesServer({ latencyMs: 30 })
    const run2 = await runStage(
      workspace,
      { ...raw, 'mcp-config': healthy.mcpConfig(), 'retry-segments': '2' },
      { pollIntervalMs: 20 },
    )
    expect(run2.error).toBeUndefined()
    const submits = await healthy.submits()
    expect(submits.map((c) => `${c.tool}:${c.segment}:${c.frame}`).sort()).toEqual([
      'nano_banana_submit:2:last',
      'seedream_4_submit:2:last',
    ])
    const retried = await readKeyframesFile(path.join(workspace, 'out/keyframes.json'))
    expect(retried.retry).toEqual({ segments: [2] })
    expect(retried.segments.map((s) => s.status)).toEqual([
      'complete',
      'complete',
      'complete',
      'complete',
    ])
    expect(retried.segments[1]).toMatchObject({
      retried: true,
      lastFrame: { status: 'generated', reused: false },
    })
    expect(retried.segments[1]?.lastFrame.cache.render).toBe('bypassed')
    for (const n of [0, 2, 3]) {
      expect(retried.segments[n]?.lastFrame.reused).toBe(true)
    }
    const after = await frameBytes(workspace)
    for (const file of [
      'segment-1-first.png',
      'segment-1-last.png',
      'segment-3-first.png',
      'segment-3-last.png',
      'segment-4-last.png',
    ]) {
      expect(after[file]).toEqual(before[file])
    }
    expect(after['segment-2-last.png']).toBeDefined()
    // segment 3 keeps its fallback first frame; the report says how to join it to the new frame
    expect(retried.warnings.map((w) => w.message).join('\n')).toMatch(/add 3 to retry-segments/)
    expect(retried.summary).toMatchObject({ frames: 8, reusedFrames: 6 })
    expect((await verifyTelemetry(path.join(workspace, 'out'))).problems).toEqual([])
  })

  it('retries a transient rate limit with backoff and records the retried error', async () => {
    const { workspace, raw } = await setUp()
    const fake = fakeKeyframesServer({ latencyMs: 20, rateLimitFirst: 1 })
    const { result, error } = await runStage(
      workspace,
      { ...raw, 'mcp-config': fake.mcpConfig(), schedule: 'sequential', 'cache-ttl-hours': '0' },
      { pollIntervalMs: 20 },
    )
    expect(error).toBeUndefined()
    const hook = result?.keyframes.segments[0]?.firstFrame
    expect(hook?.attempts).toBe(2)
    expect(hook?.retriedErrors.map((e) => e.code)).toEqual(['IMG_006'])
    expect(result?.keyframes.cache.enabled).toBe(false)
    const limited = (await fake.calls()).filter((c) => c.outcome === 'rate_limited')
    expect(limited).toHaveLength(1)
  })
})

/** SHA-256 of every frame file, by name. */
async function frameBytes(workspace: string): Promise<Record<string, string>> {
  const dir = path.join(workspace, 'out/keyframes')
  const out: Record<string, string> = {}
  for (const name of (await readdir(dir)).sort()) {
    out[name] = createHash('sha256')
      .update(await readFile(path.join(dir, name)))
      .digest('hex')
  }
  return out
}
