/**
 * Pipeline scheduling benchmark (issue 10): the whole pipeline on the offline preview provider
 * with the product's default settings (those of `npm run demo`: the demo concept, 3 images,
 * 4 segments, no mcp-config, so preview images, keyframes, clips, depth and music), run
 * in-process in a fresh temporary workspace. It reads each stage's start and end from the
 * result and prints:
 *
 * - the critical path: the chain of stages along the dependencies the schedule enforces
 *   (`STAGE_AFTER`: keyframes, video and point cloud after the image, the web player after all
 *   of them) with the largest sum of stage times. The video stage takes the keyframes segment
 *   by segment, so it starts with keyframes and its time includes waiting for its first
 *   segment; when each segment reached the video stage is printed;
 * - the sum of all stage times (what the stages would take one after another);
 * - goals: wall ≤ 1.15 × critical path, and sum − wall ≥ the point cloud's time (the point
 *   cloud runs beside keyframes and video instead of after them).
 *
 * The preview stages are CPU-bound (sharp, ffmpeg), so stages running side by side share the
 * machine's cores: on a busy machine they slow each other down. Note the load with the figures.
 *
 *   npx tsx bench/pipeline.ts
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir, cpus } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { criticalPath, type TaskSpan } from '../src/stages/pipeline/graph.js'
import { runPipeline } from '../src/stages/pipeline/run.js'
import { PIPELINE_STAGES, type PipelineStage } from '../src/stages/pipeline/spec.js'
import { STAGE_FUNCTIONS, type StageFunctions } from '../src/stages/pipeline/stage-functions.js'
import { STAGE_AFTER } from '../src/stages/pipeline/stages.js'
import { benchContext, benchLogger } from './context.js'

/** The concept of `npm run demo` (scripts/demo.ts). */
const DEMO_CONCEPT = 'A bouquet of red roses at golden hour by the sea'
/** Goal: wall time at most this many times the critical path. */
const MAX_WALL_OVER_CRITICAL = 1.15

/** What {@link runPipelineBench} measured, ms. */
export interface PipelineBenchResult {
  wallMs: number
  criticalMs: number
  criticalPath: PipelineStage[]
  sumMs: number
  pointcloudMs: number
  spans: Partial<Record<PipelineStage, TaskSpan>>
  /** When each keyframes segment reached the video stage, ms on the spans' clock. */
  segmentArrivals: number[]
  /** wall / critical path. */
  ratio: number
  /** Both goals met. */
  pass: boolean
}

/** Errors only: the preview run's warnings are expected. */
const quietLogger = benchLogger(() => false)

/**
 * Runs the benchmark once and prints its figures.
 *
 * @throws the pipeline's error, or Error when a stage did not succeed
 */
export async function runPipelineBench(): Promise<PipelineBenchResult> {
  const workspace = await mkdtemp(path.join(tmpdir(), 'kamui-pipeline-bench-'))
  const load = loadavg().map((l) => l.toFixed(2))
  console.log(
    `pipeline scheduling bench: preview provider, demo settings (3 images, 4 segments), ` +
      `${cpus().length} CPUs, load average ${load.join(' / ')} before the run`,
  )
  try {
    const context = benchContext(workspace, quietLogger)
    // The real stages; the video stage's input is watched for when each segment arrives.
    const started = performance.now()
    const segmentArrivals: number[] = []
    const stageFunctions: StageFunctions = {
      ...STAGE_FUNCTIONS,
      video: (inputs, ctx) => {
        inputs.keyframeSegments?.forEach((segment, i) => {
          segment.then(
            () => (segmentArrivals[i] = performance.now() - started),
            () => undefined,
          )
        })
        return STAGE_FUNCTIONS.video(inputs, ctx)
      },
    }
    const result = await runPipeline(
      {
        concept: DEMO_CONCEPT,
        'folder-name': 'out/demo',
        'image-count': '3',
        'segment-count': '4',
        // The system ffmpeg when there is one, else the bundled build.
        'allow-bundled-ffmpeg': 'true',
      },
      context,
      stageFunctions,
    )
    const failed = result.runs.filter((r) => r.status !== 'ok')
    if (failed.length > 0) {
      throw new Error(failed.map((r) => `${r.stage} ${r.status}: ${r.reason}`).join('; '))
    }
    const spans: Partial<Record<PipelineStage, TaskSpan>> = {}
    for (const run of result.runs) spans[run.stage] = run
    const critical = criticalPath(STAGE_AFTER, spans)
    const sumMs = result.runs.reduce((sum, r) => sum + (r.endedMs - r.startedMs), 0)
    const pointcloudMs = durationOf(spans.pointcloud)
    const ratio = result.wallMs / critical.ms
    const figures = {
      wallMs: result.wallMs,
      criticalMs: critical.ms,
      criticalPath: critical.path,
      sumMs,
      pointcloudMs,
      spans,
      segmentArrivals,
      ratio,
      pass: ratio <= MAX_WALL_OVER_CRITICAL && sumMs - result.wallMs >= pointcloudMs,
    }
    printFigures(figures)
    return figures
  } finally {
    await rm(workspace, { recursive: true, force: true })
  }
}

function durationOf(span: TaskSpan | undefined): number {
  return span ? span.endedMs - span.startedMs : 0
}

function printFigures(f: PipelineBenchResult): void {
  const W = 12
  const ms = (v: number): string => `${Math.round(v)} ms`.padStart(W)
  console.log()
  console.log(''.padEnd(12) + ['start', 'end', 'time'].map((h) => h.padStart(W)).join(''))
  for (const stage of PIPELINE_STAGES) {
    const span = f.spans[stage]
    if (span)
      console.log(
        stage.padEnd(12) + [span.startedMs, span.endedMs, durationOf(span)].map(ms).join(''),
      )
  }
  console.log('  start, end: ms since runPipeline was called; time: end - start')
  if (f.segmentArrivals.length > 0) {
    console.log(
      `  keyframes segments reached the video stage at ${f.segmentArrivals.map((t) => `${Math.round(t)}`).join(', ')} ms ` +
        `(keyframes ended at ${Math.round(f.spans.keyframes?.endedMs ?? NaN)} ms)`,
    )
  }
  console.log()
  const verdict = (ok: boolean, goal: string): string => `${ok ? 'PASS' : 'MISS'} (goal ${goal})`
  const saved = f.sumMs - f.wallMs
  console.log(`wall time                               ${ms(f.wallMs)}`)
  console.log(`critical path (${f.criticalPath.join(' → ')})`.padEnd(40) + ms(f.criticalMs))
  console.log(`sum of stage times                      ${ms(f.sumMs)}`)
  console.log(
    `ratio wall / critical path              ${f.ratio.toFixed(3).padStart(W)}  ` +
      verdict(f.ratio <= MAX_WALL_OVER_CRITICAL, `<= ${MAX_WALL_OVER_CRITICAL}`),
  )
  console.log(
    `sum - wall vs point cloud time          ${ms(saved)} vs ${Math.round(f.pointcloudMs)} ms  ` +
      verdict(saved >= f.pointcloudMs, 'sum - wall >= point cloud'),
  )
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runPipelineBench()
  process.exitCode = result.pass ? 0 : 1
}
