/**
 * `npm run bench [-- --latency-ms 3000 --images 5 --max-parallel 3]`
 *
 * Parallelism benchmark of the image-generation stage (SPEC §8: with N jobs, concurrency C and
 * model latency L, wall time stays within 10 % of ceil(N/C)·L plus a fixed start-up cost).
 * Starts the fake KamuiCode server with a fixed per-image latency L, runs the real stage
 * in-process once with `generation-strategy: parallel` (max-parallel C) and once with
 * `sequential`, after a 1-image warm-up run, and prints wall times and ratios.
 *
 * Exits with 1 when a goal is missed (parallel/sequential < 0.70, (wall − start-up)/ideal
 * < 1.10) or a run fails, 0 otherwise.
 */
import { parseArgs } from 'node:util'
import { startFakeKamui } from '../test/fixtures/servers/start-fake-kamui.js'
import { measureRun, POLL_INTERVAL_MS, type RunMeasurement } from './_dmeasure.js'

const GOAL_PARALLEL_VS_SEQUENTIAL = 0.7
const GOAL_VS_IDEAL = 1.1

const { values } = parseArgs({
  options: {
    'latency-ms': { type: 'string', default: '3000' },
    images: { type: 'string', default: '5' },
    'max-parallel': { type: 'string', default: '3' },
  },
})
const L = positiveInt('latency-ms', values['latency-ms'])
const N = positiveInt('images', values.images)
const C = positiveInt('max-parallel', values['max-parallel'])

const ms = (value: number): string => `${Math.round(value)} ms`.padStart(9)
const ratio = (value: number): string => value.toFixed(3).padStart(9)

console.log(`image-generation parallelism bench: N=${N} images, C=${C} max-parallel, L=${L} ms`)
console.log(
  `(fake KamuiCode over Streamable HTTP, imagen4-fast, 256x256; status polled every ` +
    `${POLL_INTERVAL_MS} ms, so each job may finish up to ${POLL_INTERVAL_MS} ms after L)`,
)

const server = await startFakeKamui({ latencyMs: L })
let missed = false
try {
  const warmUp = await measureRun(server, { images: 1, maxParallel: 1, strategy: 'parallel' })
  const parallel = await measureRun(server, { images: N, maxParallel: C, strategy: 'parallel' })
  const sequential = await measureRun(server, { images: N, maxParallel: C, strategy: 'sequential' })

  const idealParallel = Math.ceil(N / C) * L
  const idealSequential = N * L
  const row = (name: string, run: RunMeasurement, ideal: number): string =>
    `${name.padEnd(20)}${ms(run.wallMs)}${ms(run.startupMs)}${ms(run.tailMs)}${ms(ideal)}` +
    `${ratio(run.wallMs / ideal)}${ratio((run.wallMs - run.startupMs) / ideal)}`
  console.log()
  console.log(
    `${'run'.padEnd(20)}${'wall'.padStart(9)}${'start-up'.padStart(9)}${'tail'.padStart(9)}` +
      `${'ideal'.padStart(9)}${'wall/ide'.padStart(9)}${'-s-u/ide'.padStart(9)}`,
  )
  console.log(row('warm-up (1 image)', warmUp, L))
  console.log(row(`parallel (C=${C})`, parallel, idealParallel))
  console.log(row('sequential (C=1)', sequential, idealSequential))
  console.log(
    '  start-up: stage call → first submit at the server; tail: last result call → stage return;',
  )
  console.log('  ideal: ceil(N/C)·L (sequential: N·L); -s-u/ide: (wall − start-up) / ideal')

  console.log()
  console.log(`per image, parallel run (ms):   queue wait  generation  download+png     total`)
  for (const image of parallel.result.report.images) {
    const t = image.timings
    console.log(
      `  image ${String(image.index).padEnd(22)}${String(t.queue_wait_ms).padStart(11)}` +
        `${String(t.generation_ms).padStart(12)}${String(t.download_ms).padStart(14)}` +
        `${String(t.total_ms).padStart(10)}`,
    )
  }

  const vsSequential = parallel.wallMs / sequential.wallMs
  const vsIdeal = (parallel.wallMs - parallel.startupMs) / idealParallel
  const check = (label: string, value: number, goal: number): void => {
    const ok = value < goal
    if (!ok) missed = true
    console.log(
      `${label.padEnd(52)}${ratio(value)}  goal < ${goal.toFixed(2)}  ${ok ? 'PASS' : 'MISS'}`,
    )
  }
  console.log()
  console.log(
    `ratio parallel wall / ideal ceil(N/C)·L = ${idealParallel} ms${ratio(parallel.wallMs / idealParallel)}  (no goal: includes start-up)`,
  )
  check('GOAL parallel wall / sequential wall', vsSequential, GOAL_PARALLEL_VS_SEQUENTIAL)
  check('GOAL parallel (wall − start-up) / ideal', vsIdeal, GOAL_VS_IDEAL)
} catch (error) {
  missed = true
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`)
} finally {
  await server.stop()
}
process.exitCode = missed ? 1 : 0

function positiveInt(name: string, raw: string): number {
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`--${name} must be a positive whole number, got "${raw}"`)
  }
  return value
}
