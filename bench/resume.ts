import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseJournal } from '../src/runner/journal.js'
import { startFakeKamui, type FakeKamuiCall } from '../test/fixtures/servers/start-fake-kamui.js'
import { runKamui } from '../test/helpers/run-kamui.js'
import { runAndKill } from '../test/helpers/kill-run.js'

/** Options of {@link runResumeBench}. */
export interface ResumeBenchOptions {
  /** Model latency of the fake server, ms. */
  latencyMs: number
  /** Images of the run. */
  images: number
  /** Submits (journalled) after which the first run is killed with SIGKILL. */
  killAfter: number
  maxParallel: number
}

/** What {@link runResumeBench} measured. */
export interface ResumeBenchResult {
  /** Model time the re-run started at the server (the latency of each of its submits), ms. */
  rerunModelMs: number
  /** Model time of the jobs the killed run never submitted ((images − killAfter) · latency), ms. */
  neverSubmittedMs: number
  /** Submits the re-run made, and the images never submitted before the kill. */
  rerunSubmits: number
  neverSubmitted: number
  /** Wall time of the re-run and of the third run (everything reused), ms. */
  rerunWallMs: number
  thirdWallMs: number
  /** Calls of any kind the third run made. */
  thirdCalls: number
  /** True when the goals hold (see the module comment of bench/run.ts). */
  pass: boolean
}

const SUBMIT = 'imagen4_fast_submit'
const submits = (calls: FakeKamuiCall[]): FakeKamuiCall[] => calls.filter((c) => c.tool === SUBMIT)

/**
 * The resume figure of issue 11: a v2 run of `images` images on the fake KamuiCode server
 * (`kamui image-generation-v2` as a child process) is killed with SIGKILL once `killAfter`
 * submits are journalled; the re-run's model time at the server (the latency of each submit it
 * makes) must not exceed that of the part never submitted, and a third run makes no call.
 * Prints a table; returns the figures.
 */
export async function runResumeBench(options: ResumeBenchOptions): Promise<ResumeBenchResult> {
  const { latencyMs: L, images: N, killAfter: K } = options
  console.log(
    `resume bench: ${N} images (imagen4-fast, fake KamuiCode, L=${L} ms, max-parallel ${options.maxParallel}), ` +
      `SIGKILL after ${K} journalled submits, then a re-run and a third run (kamui CLI processes)`,
  )
  const server = await startFakeKamui({ latencyMs: L, longSide: 64 })
  const workspace = await mkdtemp(path.join(tmpdir(), 'kamui-bench-resume-'))
  const journal = path.join(workspace, 'out/resume/metadata/journal.jsonl')
  const args = [
    'image-generation-v2',
    '--image-prompt',
    'a lighthouse at dusk, resume bench',
    '--folder-name',
    'out/resume',
    '--image-count',
    String(N),
    '--models',
    'imagen4-fast',
    '--generation-strategy',
    'parallel',
    '--max-parallel',
    String(options.maxParallel),
    '--image-size',
    '64x64',
    '--mcp-config',
    JSON.stringify({ mcpServers: { 't2i-kamui-imagen4-fast': server.entry() } }),
  ]
  const env = { KAMUI_ALLOW_PRIVATE_NETWORK: 'true' }
  try {
    await runAndKill(args, {
      cwd: workspace,
      env,
      killWhen: async () =>
        submits(await server.calls()).length >= K &&
        parseJournal(await readFile(journal, 'utf8').catch(() => '')).lines.filter(
          (l) => l.event === 'submitted',
        ).length >= K,
    })
    const killedSubmits = submits(await server.calls()).length

    const before = (await server.calls()).length
    const t2 = performance.now()
    const rerun = await runKamui(args, { cwd: workspace, env, timeoutMs: 300_000 })
    const rerunWallMs = performance.now() - t2
    if (rerun.code !== 0) throw new Error(`the re-run failed:\n${rerun.stderr}`)
    const rerunCalls = (await server.calls()).slice(before)
    const rerunModelMs = submits(rerunCalls).reduce(
      (sum, c) => sum + ((c.ready_at ?? c.t) - c.t),
      0,
    )

    const beforeThird = (await server.calls()).length
    const t3 = performance.now()
    const third = await runKamui(args, { cwd: workspace, env, timeoutMs: 300_000 })
    const thirdWallMs = performance.now() - t3
    if (third.code !== 0) throw new Error(`the third run failed:\n${third.stderr}`)
    const thirdCalls = (await server.calls()).length - beforeThird

    const neverSubmitted = N - killedSubmits
    const result: ResumeBenchResult = {
      rerunModelMs,
      neverSubmittedMs: neverSubmitted * L,
      rerunSubmits: submits(rerunCalls).length,
      neverSubmitted,
      rerunWallMs,
      thirdWallMs,
      thirdCalls,
      pass: false,
    }
    result.pass =
      result.rerunModelMs <= result.neverSubmittedMs * 1.05 &&
      result.rerunSubmits === neverSubmitted &&
      thirdCalls === 0
    print(result, killedSubmits)
    return result
  } finally {
    await server.stop()
    await rm(workspace, { recursive: true, force: true })
  }
}

function print(r: ResumeBenchResult, killedSubmits: number): void {
  const line = (label: string, value: string, verdict = ''): void =>
    console.log(`${label.padEnd(52)}${value.padStart(12)}  ${verdict}`)
  line('submits before the kill (at the server)', String(killedSubmits))
  line(
    're-run submits / never submitted',
    `${r.rerunSubmits} / ${r.neverSubmitted}`,
    r.rerunSubmits === r.neverSubmitted ? 'PASS (goal =)' : 'MISS (goal =)',
  )
  line(
    're-run model time / never-submitted model time',
    (r.neverSubmittedMs > 0 ? r.rerunModelMs / r.neverSubmittedMs : 0).toFixed(3),
    r.rerunModelMs <= r.neverSubmittedMs * 1.05
      ? 'PASS (goal <= 1, 5 % slack)'
      : 'MISS (goal <= 1)',
  )
  line('  re-run model time at the server', `${Math.round(r.rerunModelMs)} ms`)
  line('  never-submitted part ((N - submitted) * L)', `${Math.round(r.neverSubmittedMs)} ms`)
  line('re-run wall time', `${Math.round(r.rerunWallMs)} ms`, 'info only')
  line(
    'third run: calls / wall time',
    `${r.thirdCalls} / ${Math.round(r.thirdWallMs)} ms`,
    r.thirdCalls === 0 ? 'PASS (goal 0 calls)' : 'MISS (goal 0 calls)',
  )
  line('third / re-run wall time', (r.thirdWallMs / r.rerunWallMs).toFixed(3), 'info only')
}
