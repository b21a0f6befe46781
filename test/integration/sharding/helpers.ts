import { createHash } from 'node:crypto'
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import type { FakeKamuiCall } from '../../fixtures/servers/start-fake-kamui.js'
import { runKamui, type KamuiRun } from '../../helpers/run-kamui.js'
import { testFfmpeg } from '../../helpers/tools.js'
import { KEYFRAME_TINTS, tintedKeyframe, writePng } from '../video/media-helpers.js'

/** Submit calls among the calls a fake server logged. */
export const submitsOf = (calls: readonly FakeKamuiCall[]): FakeKamuiCall[] =>
  calls.filter((c) => c.tool.endsWith('_submit'))

/**
 * The environment of every `kamui` run here: FFMPEG_PATH set to the tests' ffmpeg (the system's,
 * else the npm-shipped one, `test/helpers/tools.ts`), so the video steps run, with the
 * workflow's own inputs, on a machine with only Node and npm; and private download targets
 * allowed (the fake servers serve media on 127.0.0.1, like a self-hosted setup; the test setup
 * sets the same for its own processes, the bench has none).
 */
const kamuiEnv = (): Record<string, string> => ({
  FFMPEG_PATH: testFfmpeg().path,
  KAMUI_ALLOW_PRIVATE_NETWORK: 'true',
})

/** Runs `kamui` and fails with its stderr when it does not exit 0. */
export async function kamuiOk(
  args: readonly string[],
  cwd: string,
  timeoutMs = 240_000,
): Promise<KamuiRun> {
  const run = await runKamui(args, { cwd, timeoutMs, env: kamuiEnv() })
  if (run.code !== 0) throw new Error(`kamui ${args[0]} exited ${run.code}:\n${run.stderr}`)
  return run
}

/**
 * Starts every argument list as its own `kamui` process at the same moment and waits for all.
 *
 * @returns the runs and the wall time from the start to the last exit, ms
 */
export async function kamuiTogether(
  argLists: readonly (readonly string[])[],
  cwd: string,
): Promise<{ runs: KamuiRun[]; wallMs: number }> {
  const t0 = performance.now()
  const runs = await Promise.all(
    argLists.map((args) => runKamui(args, { cwd, timeoutMs: 240_000, env: kamuiEnv() })),
  )
  const wallMs = performance.now() - t0
  for (const run of runs)
    if (run.code !== 0) throw new Error(`a shard exited ${run.code}:\n${run.stderr}`)
  return { runs, wallMs }
}

/** Raw RGBA pixels of a PNG with its size, for a pixel-by-pixel comparison. */
export async function pixelsOf(
  file: string,
): Promise<{ width: number; height: number; sha: string }> {
  const { data, info } = await sharp(await readFile(file))
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
  return {
    width: info.width,
    height: info.height,
    sha: createHash('sha256').update(data).digest('hex'),
  }
}

/** Every file below `folder` (relative, sorted) with the sha256 of its bytes. */
export async function folderHashes(folder: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) {
        out[`${path.relative(folder, full)}/`] = 'dir'
        await walk(full)
      } else {
        out[path.relative(folder, full)] = createHash('sha256')
          .update(await readFile(full))
          .digest('hex')
      }
    }
  }
  await walk(folder)
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)))
}

/** Parses a JSON file. */
export async function readJson<T = unknown>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T
}

/**
 * The most jobs a server had in flight at once: each job from its submit to its result call
 * (matched by request id), counted over the calls of the tools whose names start with `prefix`.
 */
export function maxInFlight(calls: readonly FakeKamuiCall[], prefix: string): number {
  const events: [number, number][] = []
  const results = new Map<string, number>()
  for (const call of calls) {
    const id = call.args['request_id']
    if (call.tool === `${prefix}_result` && typeof id === 'string' && !results.has(id))
      results.set(id, call.t)
  }
  for (const call of calls) {
    if (call.tool !== `${prefix}_submit` || !call.request_id) continue
    const end = results.get(call.request_id)
    if (end === undefined) continue
    events.push([call.t, 1], [end, -1])
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1])
  let now = 0
  let max = 0
  for (const [, delta] of events) {
    now += delta
    max = Math.max(max, now)
  }
  return max
}

/** The image stage's arguments of the issue-13 scenario: 9 images, two models, seed 7, max-parallel 1. */
export function nineImageArgs(mcpEntry: unknown, folder: string): string[] {
  return [
    ...['--image-prompt', 'a lighthouse at dusk, sharding test', '--folder-name', folder],
    ...['--image-count', '9', '--models', 'imagen4-fast,imagen4-ultra', '--seed', '7'],
    ...['--generation-strategy', 'parallel', '--max-parallel', '1', '--image-size', '64x64'],
    ...['--mcp-config', JSON.stringify({ mcpServers: { 't2i-kamui': mcpEntry } })],
  ]
}

/** The video stage's arguments of the issue-13 scenario: the four segments of `kf/keyframes.json`. */
export function fourSegmentArgs(mcpConfig: string, folder: string): string[] {
  return [
    ...['--video-prompt', 'a slow pan, sharding test', '--folder-name', folder],
    ...['--keyframes', 'kf/keyframes.json', '--max-parallel', '1', '--poll-interval', '1'],
    ...['--mcp-config', mcpConfig],
  ]
}

/** What {@link runShardedScenario} did: the runs and their wall times, ms. */
export interface ShardedScenario {
  /** The unsharded run, then `kamui plan`, the shards started at once, and `kamui merge`. */
  whole: KamuiRun
  plan: KamuiRun
  shards: KamuiRun[]
  merge: KamuiRun
  wholeMs: number
  /** From starting every shard to the last one's exit. */
  shardsMs: number
}

/**
 * Issue 13's scenario on the command line, in `workspace`: the stage unsharded into
 * `out/whole`, then `plan --shards n` for `out/sharded`, the n shards started at the same
 * moment (n runners simulated by n processes) and `merge` of their folders into `out/sharded`.
 * `stage` is `image-generation-v2` or `video-generation`; `args(folder)` gives its arguments.
 *
 * @throws Error when a `kamui` process exits non-zero (with its stderr)
 */
export async function runShardedScenario(
  stage: 'image-generation-v2' | 'video-generation',
  shardCount: number,
  args: (folder: string) => string[],
  workspace: string,
): Promise<ShardedScenario> {
  const t0 = performance.now()
  const whole = await kamuiOk([stage, ...args('out/whole')], workspace)
  const wholeMs = performance.now() - t0
  const planArgs = stage === 'image-generation-v2' ? [] : ['--stage', stage]
  const plan = await kamuiOk(
    ['plan', ...planArgs, '--shards', String(shardCount), ...args('out/sharded')],
    workspace,
  )
  const manifest = plan.outputs['shard-manifest'] ?? ''
  const shards = await kamuiTogether(
    Array.from({ length: shardCount }, (_, k) => [
      ...[stage, ...args('out/sharded')],
      ...['--shard', `${k + 1}/${shardCount}`, '--shard-manifest', manifest],
    ]),
    workspace,
  )
  const merge = await kamuiOk(
    [
      ...['merge', '--shard-folders', `out/sharded-shard-*-of-${shardCount}`],
      ...['--folder-name', 'out/sharded'],
    ],
    workspace,
  )
  return { whole, plan, shards: shards.runs, merge, wholeMs, shardsMs: shards.wallMs }
}

/**
 * Writes `kf/keyframes.json` with four one-second segments and the five 64×48 keyframe PNGs
 * they join (a distinct tint each) into `workspace`, the video input of issue 13's scenario.
 */
export async function writeFourSegmentKeyframes(workspace: string): Promise<void> {
  await mkdir(path.join(workspace, 'kf'), { recursive: true })
  for (const k of KEYFRAME_TINTS.keys()) {
    await writePng(path.join(workspace, `kf/frame-${k}.png`), tintedKeyframe(k, 64, 48))
  }
  const segments = [1, 2, 3, 4].map((i) => ({
    index: i,
    description: `segment ${i}`,
    duration: 1,
    status: 'complete',
    firstFrame: { path: `frame-${i - 1}.png`, url: null },
    lastFrame: { path: `frame-${i}.png`, url: null },
  }))
  await writeFile(
    path.join(workspace, 'kf/keyframes.json'),
    JSON.stringify({ schemaVersion: 1, segments }),
  )
}
