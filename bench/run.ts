/**
 * `npm run bench [-- --latency-ms 3000 --images 5 --max-parallel 3]`
 *
 * Parallelism benchmark of the image-generation stage (SPEC §8: with N jobs, concurrency C and
 * model latency L, wall time stays within 10 % of ceil(N/C)·L; issue 12: including start-up).
 * Starts the fake KamuiCode server with a fixed per-image latency L, runs the real stage
 * in-process with its default settings (the adaptive status-polling schedule, no poll
 * override) once with `generation-strategy: parallel` (max-parallel C) and once with
 * `sequential`, after a 1-image warm-up run, and prints wall times and ratios. Then the polling
 * figures of issue 12, from the fake's log: per job the delay from ready at the server to the
 * result call and its status calls per second, for the parallel run at L and at 12 s.
 *
 * Then the keyframes scheduling figure (bench/keyframes.ts), the pipeline figure
 * (bench/pipeline.ts: wall time against the critical path of the stage graph, preview provider)
 * and the resume figure (bench/resume.ts, issue 11: a 6-image run killed with SIGKILL after 3
 * submits; the re-run's model time at the server against that of the never-submitted part)
 * and the sharding figure (bench/sharding.ts, issue 13: three image shards and four video
 * shards started at once against the unsharded runs).
 *
 * Exits with 1 when a goal is missed (parallel/sequential < 0.70, wall/ideal ≤ 1.10, median
 * delay ≤ 250 ms and ≤ 2 status calls/s per job at L, median delay ≤ 1 s and ≤ 1 status call/s
 * per job at 12 s, keyframes graph faster than sequential, pipeline wall ≤ 1.15 × critical path and
 * sum of stage times − wall ≥ point-cloud time, re-run model time ≤ never-submitted model time
 * with 5 % slack, re-run submits = never-submitted jobs, no call in the third run, shards
 * together ≤ 0.45 of the unsharded wall time with the plan's submits exactly) or a run
 * fails, 0 otherwise.
 */
import { parseArgs } from 'node:util'
import { setDefaultNetworkPolicy } from '../src/core/http.js'
import { runKeyframesBench } from './keyframes.js'
import { runPipelineBench } from './pipeline.js'
import { runResumeBench } from './resume.js'
import { runShardingBench } from './sharding.js'
import { startFakeKamui } from '../test/fixtures/servers/start-fake-kamui.js'
import { measureRun, type RunMeasurement } from './measure.js'

const { values } = parseArgs({
  options: {
    'latency-ms': { type: 'string', default: '3000' },
    images: { type: 'string', default: '5' },
    'max-parallel': { type: 'string', default: '3' },
    'long-latency-ms': { type: 'string', default: '12000' },
  },
})
const L = positiveInt('latency-ms', values['latency-ms'])
const N = positiveInt('images', values.images)
const C = positiveInt('max-parallel', values['max-parallel'])
const LONG = positiveInt('long-latency-ms', values['long-latency-ms'])

const W = 13
const ms = (value: number): string => `${Math.round(value)} ms`.padStart(W)
const num = (value: number): string => value.toFixed(3).padStart(W)
const cols = (...names: string[]): string => names.map((n) => n.padStart(W)).join('')

console.log(`image-generation parallelism bench: N=${N} images, C=${C} max-parallel, L=${L} ms`)
console.log(
  `fake KamuiCode over Streamable HTTP, model imagen4-fast, image-size 256x256 requested, seed 42; ` +
    `default settings (adaptive status polling, src/runner/poll-schedule.ts)`,
)

// The fake server serves its images on 127.0.0.1, like a self-hosted setup: allow private
// download targets here, as KAMUI_ALLOW_PRIVATE_NETWORK=true does on a self-hosted runner.
setDefaultNetworkPolicy({ allowPrivate: true })
const server = await startFakeKamui({ latencyMs: L, longSide: 256 })
let missed = false
try {
  const warmUp = await measureRun(server, { images: 1, maxParallel: 1, strategy: 'parallel' })
  const parallel = await measureRun(server, { images: N, maxParallel: C, strategy: 'parallel' })
  const sequential = await measureRun(server, { images: N, maxParallel: C, strategy: 'sequential' })

  const ideal = Math.ceil(N / C) * L
  const row = (name: string, run: RunMeasurement, idealMs: number): string =>
    name.padEnd(22) +
    [run.wallMs, run.startupMs, run.tailMs, idealMs].map(ms).join('') +
    num(run.wallMs / idealMs) +
    num((run.wallMs - run.startupMs) / idealMs)
  console.log()
  console.log(
    ''.padEnd(22) + cols('wall', 'start-up', 'tail', 'ideal', 'wall/ideal', '(w-s)/ideal'),
  )
  console.log(row('warm-up (N=1, C=1)', warmUp, L))
  console.log(row(`parallel (N=${N}, C=${C})`, parallel, ideal))
  console.log(row(`sequential (N=${N}, C=1)`, sequential, N * L))
  console.log('  start-up: stage call -> first imagen4_fast_submit at the server')
  console.log('  tail:     last imagen4_fast_result at the server -> stage returned')
  console.log('  ideal:    ceil(N/C)*L (sequential: N*L, warm-up: L); (w-s): wall - start-up')

  console.log()
  console.log(
    'parallel run, per image'.padEnd(22) +
      cols('queue wait', 'generation', 'download+png', 'total', 'size'),
  )
  for (const { index, timings: t, resolution } of parallel.result.report.images) {
    const figures = [t.queue_wait_ms, t.generation_ms ?? NaN, t.download_ms ?? NaN, t.total_ms]
    console.log(`  image ${index}`.padEnd(22) + figures.map(ms).join('') + cols(resolution ?? '-'))
  }

  console.log()
  check('ratio parallel wall / sequential wall', parallel.wallMs / sequential.wallMs, 0.7, '<')
  check(`ratio parallel wall / ideal (${ideal} ms)`, parallel.wallMs / ideal, 1.1)
  check('ratio parallel (wall - start-up) / ideal', (parallel.wallMs - parallel.startupMs) / ideal)
  check('ratio sequential wall / (N*L)', sequential.wallMs / (N * L))
  pollingFigures(`parallel, L=${L} ms`, parallel, 250, 2)
  pollingFigures('sequential', sequential)
} catch (error) {
  missed = true
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`)
} finally {
  await server.stop()
}

// The status polling at a long latency (issue 12: median delay <= 1 s, <= 1 status call/s per job).
console.log()
const longServer = await startFakeKamui({ latencyMs: LONG, longSide: 256 })
try {
  const long = await measureRun(longServer, { images: N, maxParallel: C, strategy: 'parallel' })
  const ideal = Math.ceil(N / C) * LONG
  console.log(`parallel at L=${LONG} ms: wall ${Math.round(long.wallMs)} ms, ideal ${ideal} ms`)
  check(`ratio parallel wall / ideal (${ideal} ms)`, long.wallMs / ideal)
  pollingFigures(`parallel, L=${LONG} ms`, long, 1000, 1)
} catch (error) {
  missed = true
  console.error(
    `long-latency bench failed: ${error instanceof Error ? error.message : String(error)}`,
  )
} finally {
  await longServer.stop()
}

// Keyframes: the dependency-graph schedule against the same steps one after another.
console.log()
try {
  const keyframes = await runKeyframesBench({ latencyMs: 1000 })
  if (!keyframes.faster) missed = true
} catch (error) {
  missed = true
  console.error(`keyframes bench failed: ${error instanceof Error ? error.message : String(error)}`)
}

// Pipeline: the stages as a dependency graph on the preview provider, wall time against the critical path.
console.log()
try {
  const pipeline = await runPipelineBench()
  if (!pipeline.pass) missed = true
} catch (error) {
  missed = true
  console.error(`pipeline bench failed: ${error instanceof Error ? error.message : String(error)}`)
}
// Resume (issue 11): a run killed with SIGKILL after some submits, then re-run.
console.log()
try {
  const resume = await runResumeBench({ latencyMs: 2000, images: 6, killAfter: 3, maxParallel: 3 })
  if (!resume.pass) missed = true
} catch (error) {
  missed = true
  console.error(`resume bench failed: ${error instanceof Error ? error.message : String(error)}`)
}
// Sharding (issue 13): n shards started at once against the unsharded run.
console.log()
try {
  const sharding = await runShardingBench()
  if (!sharding.pass) missed = true
} catch (error) {
  missed = true
  console.error(`sharding bench failed: ${error instanceof Error ? error.message : String(error)}`)
}
process.exitCode = missed ? 1 : 0

/** Prints a figure with its goal (`<=` unless `<` is given) and records a miss. */
function check(label: string, value: number, goal?: number, op: '<' | '<=' = '<='): void {
  const ok = goal === undefined || (op === '<' ? value < goal : value <= goal)
  if (!ok) missed = true
  const verdict = goal === undefined ? 'info only' : `${ok ? 'PASS' : 'MISS'} (goal ${op} ${goal})`
  console.log(`${label.padEnd(46)}${num(value)}  ${verdict}`)
}

/** Prints the per-job polling figures of a run and checks the median delay and the call rate. */
function pollingFigures(
  name: string,
  run: RunMeasurement,
  delayGoalMs?: number,
  rateGoal?: number,
): void {
  console.log()
  console.log(`${name}:`)
  console.log('  per job'.padEnd(22) + cols('ready->result', 'status calls', 'calls/s'))
  run.jobs.forEach((job, i) => {
    console.log(
      `  job ${i + 1}`.padEnd(22) +
        ms(job.delayMs) +
        cols(String(job.statusCalls)) +
        num(job.statusPerSecond),
    )
  })
  check(`${name}: median ready -> result call (ms)`, run.medianDelayMs, delayGoalMs)
  check(`${name}: status calls/s per job (mean)`, run.statusPerSecond, rateGoal)
}

function positiveInt(name: string, raw: string): number {
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`--${name} must be a positive whole number, got "${raw}"`)
  }
  return value
}
