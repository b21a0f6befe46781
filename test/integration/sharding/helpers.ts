import { createHash } from 'node:crypto'
import { readFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import type { FakeKamuiCall } from '../../fixtures/servers/start-fake-kamui.js'
import { runKamui, type KamuiRun } from '../../helpers/run-kamui.js'

/** Submit calls among the calls a fake server logged. */
export const submitsOf = (calls: readonly FakeKamuiCall[]): FakeKamuiCall[] =>
  calls.filter((c) => c.tool.endsWith('_submit'))

/** Runs `kamui` and fails with its stderr when it does not exit 0. */
export async function kamuiOk(
  args: readonly string[],
  cwd: string,
  timeoutMs = 240_000,
): Promise<KamuiRun> {
  const run = await runKamui(args, { cwd, timeoutMs })
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
    argLists.map((args) => runKamui(args, { cwd, timeoutMs: 240_000 })),
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
