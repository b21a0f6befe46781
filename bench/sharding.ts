/**
 * Sharding benchmark (issue 13): the wall time of n shards started at once against the
 * unsharded run, both with `max-parallel 1` (n runners simulated by n `kamui` processes on this
 * machine, so process start-up on shared cores counts against the shards). Two scenarios, the
 * same ones `test/integration/sharding/*` checks for correctness at a short latency:
 *
 * - 9 images over two models with seed 7, 3 shards, against the fake KamuiCode server with a
 *   fixed latency L (default 20 s);
 * - a four-segment video run, 4 shards, against the fake video server with `statusSteps`
 *   status calls one second apart per clip (default 20).
 *
 * Goal: shards together ≤ 0.45 × the unsharded wall time, and the plan's submits exactly
 * (9 and 4 for the sharded runs).
 *
 *   npx tsx bench/sharding.ts [--latency-ms 20000] [--status-steps 20]
 */
import { rm } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { startFakeVideo } from '../test/fixtures/servers/fake-video/start.js'
import { startFakeKamui } from '../test/fixtures/servers/start-fake-kamui.js'
import {
  fourSegmentArgs,
  nineImageArgs,
  runShardedScenario,
  writeFourSegmentKeyframes,
  type ShardedScenario,
} from '../test/integration/sharding/helpers.js'
import { tempWorkspace } from '../test/helpers/workspace.js'

/** The goal of issue 13: shards together at most this share of the unsharded wall time. */
export const SHARDING_GOAL = 0.45

/** Options of {@link runShardingBench}. */
export interface ShardingBenchOptions {
  /** Fixed latency of every image job, ms (default 20 000). */
  latencyMs?: number
  /** Status calls (one second apart) before a clip is ready (default 20). */
  statusSteps?: number
}

/** One scenario's figures. */
export interface ShardingFigure {
  name: string
  wholeMs: number
  shardsMs: number
  ratio: number
  submits: number
  expectedSubmits: number
  pass: boolean
}

/** Runs both scenarios and prints their figures; `pass` when both meet the goal. */
export async function runShardingBench(
  options: ShardingBenchOptions = {},
): Promise<{ figures: ShardingFigure[]; pass: boolean }> {
  const latencyMs = options.latencyMs ?? 20_000
  const statusSteps = options.statusSteps ?? 20
  console.log(
    `sharding bench (issue 13): 9 images / 3 shards at L=${latencyMs} ms; ` +
      `4 clips / 4 shards at ${statusSteps} status calls 1 s apart; max-parallel 1`,
  )
  const figures = [await imageFigure(latencyMs), await videoFigure(statusSteps)]
  for (const f of figures) {
    console.log(
      `${f.name.padEnd(30)} unsharded ${Math.round(f.wholeMs)} ms, shards together ` +
        `${Math.round(f.shardsMs)} ms, ratio ${f.ratio.toFixed(3)}, sharded submits ` +
        `${f.submits}/${f.expectedSubmits}  ${f.pass ? 'PASS' : 'MISS'} (goal <= ${SHARDING_GOAL})`,
    )
  }
  return { figures, pass: figures.every((f) => f.pass) }
}

async function imageFigure(latencyMs: number): Promise<ShardingFigure> {
  const server = await startFakeKamui({ latencyMs, longSide: 64 })
  const workspace = await tempWorkspace('kamui-bench-shard-')
  try {
    const scenario = await runShardedScenario(
      'image-generation-v2',
      3,
      (folder) => nineImageArgs(server.entry(), folder),
      workspace,
    )
    const submits = (await server.calls()).filter((c) => c.tool.endsWith('_submit')).length
    return figure('9 images, 3 shards', scenario, submits - 9, 9)
  } finally {
    await server.stop()
    await rm(workspace, { recursive: true, force: true })
  }
}

async function videoFigure(statusSteps: number): Promise<ShardingFigure> {
  const server = await startFakeVideo({ statusSteps, clipSeconds: 1 })
  const workspace = await tempWorkspace('kamui-bench-shard-video-')
  try {
    await writeFourSegmentKeyframes(workspace)
    const scenario = await runShardedScenario(
      'video-generation',
      4,
      (folder) => fourSegmentArgs(server.mcpConfig, folder),
      workspace,
    )
    const submits = (await server.calls()).filter((c) => c.tool.endsWith('_submit')).length
    return figure('4 clips, 4 shards', scenario, submits - 4, 4)
  } finally {
    await server.stop()
    await rm(workspace, { recursive: true, force: true })
  }
}

function figure(
  name: string,
  scenario: ShardedScenario,
  submits: number,
  expectedSubmits: number,
): ShardingFigure {
  const ratio = scenario.shardsMs / scenario.wholeMs
  const pass = ratio <= SHARDING_GOAL && submits === expectedSubmits
  return {
    name,
    wholeMs: scenario.wholeMs,
    shardsMs: scenario.shardsMs,
    ratio,
    submits,
    expectedSubmits,
    pass,
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      'latency-ms': { type: 'string', default: '20000' },
      'status-steps': { type: 'string', default: '20' },
    },
  })
  const result = await runShardingBench({
    latencyMs: Number(values['latency-ms']),
    statusSteps: Number(values['status-steps']),
  })
  process.exitCode = result.pass ? 0 : 1
}
