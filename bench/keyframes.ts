/**
 * Keyframes scheduling benchmark (SPEC §6 "independent work runs in parallel"): the same
 * four-segment storyboard against the fake hosted keyframe server (nano-banana and seedream-4
 * tools, every job a fixed latency L), once with the dependency-graph schedule and once with
 * the sequential one (the same steps one after another), cache off. Prints wall times, the
 * frame phase of each, the ideal times and the ratio graph / sequential.
 *
 * Ideal with S segments: sequential = (S + 1) compositions + (S + 1) renders, all one after
 * another = 2(S + 1)·L; graph = one round of compositions (all at once) + the render chain
 * (the Hook's first frame, then each last frame, which needs the previous one) = (S + 2)·L.
 *
 *   npx tsx bench/keyframes.ts [--latency-ms 1000] [--segments 4]
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import sharp from 'sharp'
import { parseKeyframesInputs } from '../src/stages/keyframes/inputs.js'
import { runKeyframes, type KeyframesResult } from '../src/stages/keyframes/run.js'
import { fakeKeyframesServer } from '../test/fixtures/servers/fake-keyframes/start.js'
import { benchContext, benchLogger } from './context.js'

/** Options of {@link runKeyframesBench}. */
export interface KeyframesBenchOptions {
  /** Fixed latency of every fake job, ms (default 1000). */
  latencyMs?: number
  /** Segments of the storyboard, 2–12 (default 4). */
  segments?: number
}

/** What {@link runKeyframesBench} measured. */
export interface KeyframesBenchResult {
  latencyMs: number
  segments: number
  graph: { wallMs: number; framesMs: number; idealMs: number }
  sequential: { wallMs: number; framesMs: number; idealMs: number }
  /** graph frames phase / sequential frames phase. */
  ratio: number
  /** True when the graph schedule was faster. */
  faster: boolean
}

/** Status polling interval given to the stage, ms (each job may end up to this much after L). */
const POLL_INTERVAL_MS = 50

const quietLogger = benchLogger((message) => !/price|PREVIEW|only \d product/.test(message))

/**
 * Runs the benchmark and prints its figures.
 *
 * @throws Error when a run does not complete every segment
 */
export async function runKeyframesBench(
  options: KeyframesBenchOptions = {},
): Promise<KeyframesBenchResult> {
  const latencyMs = options.latencyMs ?? 1000
  const segments = options.segments ?? 4
  const fake = fakeKeyframesServer({ latencyMs, longSide: 160 })
  console.log(
    `keyframes scheduling bench: ${segments} segments, fixed model latency L=${latencyMs} ms`,
  )
  console.log(
    `fake nano-banana / seedream-4 server over stdio, status polled every ${POLL_INTERVAL_MS} ms, cache off, max-parallel ${segments + 1}`,
  )
  const graph = await measure('graph', fake.mcpConfig(), segments)
  const sequential = await measure('sequential', fake.mcpConfig(), segments)
  const result: KeyframesBenchResult = {
    latencyMs,
    segments,
    graph: { ...graph, idealMs: (segments + 2) * latencyMs },
    sequential: { ...sequential, idealMs: 2 * (segments + 1) * latencyMs },
    ratio: graph.framesMs / sequential.framesMs,
    faster: graph.framesMs < sequential.framesMs,
  }
  const W = 14
  const ms = (v: number): string => `${Math.round(v)} ms`.padStart(W)
  console.log()
  console.log(''.padEnd(14) + ['wall', 'frame steps', 'ideal'].map((h) => h.padStart(W)).join(''))
  console.log(
    'graph'.padEnd(14) +
      [result.graph.wallMs, result.graph.framesMs, result.graph.idealMs].map(ms).join(''),
  )
  console.log(
    'sequential'.padEnd(14) +
      [result.sequential.wallMs, result.sequential.framesMs, result.sequential.idealMs]
        .map(ms)
        .join(''),
  )
  console.log('  wall: stage call -> return (MCP server start-up, product images, report included)')
  console.log('  frame steps: compositions, renders and copies (keyframes.json timings.framesMs)')
  console.log()
  console.log(
    `ratio graph / sequential (frame steps): ${result.ratio.toFixed(3)}  ` +
      `(ideal ${(result.graph.idealMs / result.sequential.idealMs).toFixed(3)}; ${result.faster ? 'graph faster' : 'graph NOT faster'})`,
  )
  return result
}

async function measure(
  schedule: 'graph' | 'sequential',
  mcpConfig: string,
  segments: number,
): Promise<{ wallMs: number; framesMs: number }> {
  const workspace = await mkdtemp(path.join(tmpdir(), 'kamui-kf-bench-'))
  try {
    await mkdir(path.join(workspace, 'photos'))
    await sharp({ create: { width: 256, height: 256, channels: 3, background: '#b03030' } })
      .png()
      .toFile(path.join(workspace, 'photos/product.png'))
    const board = Array.from({ length: segments }, (_, i) => ({
      type: i === 0 ? 'hook' : i === segments - 1 ? 'cta' : 'body',
      description: `Bench segment ${i + 1}: the product on a table, camera moving right.`,
      duration: 5,
    }))
    await writeFile(path.join(workspace, 'storyboard.json'), JSON.stringify({ segments: board }))
    const context = benchContext(workspace, quietLogger, { pollIntervalMs: POLL_INTERVAL_MS })
    const inputs = parseKeyframesInputs({
      'storyboard-file': 'storyboard.json',
      'product-images': 'photos/product.png',
      'folder-name': 'out',
      'mcp-config': mcpConfig,
      schedule,
      'max-parallel': String(Math.min(10, segments + 1)),
      'cache-ttl-hours': '0',
    })
    const started = performance.now()
    const result: KeyframesResult = await runKeyframes(inputs, context)
    const wallMs = performance.now() - started
    if (!result.complete) throw new Error(`the ${schedule} run did not complete every segment`)
    return { wallMs, framesMs: result.keyframes.timings.framesMs }
  } finally {
    await rm(workspace, { recursive: true, force: true })
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      'latency-ms': { type: 'string', default: '1000' },
      segments: { type: 'string', default: '4' },
    },
  })
  const result = await runKeyframesBench({
    latencyMs: Number(values['latency-ms']),
    segments: Number(values.segments),
  })
  process.exitCode = result.faster ? 0 : 1
}
