import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { setDefaultNetworkPolicy } from '../../core/http.js'
import { createPreviewServer } from './server.js'
import { PREVIEW_TASK_REVISIONS, type PreviewTaskRevision } from './tasks.js'

/*
 * Process entry of the embedded preview MCP server (stdio). The only file that reads the
 * environment: KAMUI_PREVIEW_LATENCY_MS (non-negative integer, ms; default 0) sets how long
 * submitted jobs stay queued; KAMUI_PREVIEW_TASKS=2025-11-25, or the arguments
 * `--tasks 2025-11-25` (what `previewServerLaunch({ tasks })` adds), selects tasks mode: the
 * image, video and depth tools answer as MCP tasks (see tasks.ts); another value is ignored
 * with a log line. Logs go to stderr only (stdout carries MCP messages). The process exits
 * with code 0 when stdin closes or on SIGINT / SIGTERM.
 */

const log = (message: string): void => {
  process.stderr.write(`[kamui-preview] ${message}\n`)
}

function latencyFromEnv(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 0
  const value = Number(raw)
  if (Number.isInteger(value) && value >= 0) return value
  log(`ignoring KAMUI_PREVIEW_LATENCY_MS=${JSON.stringify(raw)}: not a non-negative integer`)
  return 0
}

function tasksFrom(
  raw: string | undefined,
  argv: readonly string[],
): PreviewTaskRevision | undefined {
  const flag = argv.indexOf('--tasks')
  const value = (flag >= 0 ? argv[flag + 1] : raw)?.trim() ?? ''
  if (value === '') return undefined
  const known = PREVIEW_TASK_REVISIONS.find((revision) => revision === value)
  if (!known)
    log(
      `ignoring tasks mode ${JSON.stringify(value)}: not one of ${PREVIEW_TASK_REVISIONS.join(', ')}`,
    )
  return known
}

// The image URLs the preview tools fetch come from the suite's own stages, which downloaded
// them first under the run's network policy (src/core/http.ts); this process does not judge them
// again (it would not know the run's KAMUI_ALLOW_PRIVATE_NETWORK).
setDefaultNetworkPolicy({ allowPrivate: true })

const latencyMs = latencyFromEnv(process.env.KAMUI_PREVIEW_LATENCY_MS)
const tasks = tasksFrom(process.env.KAMUI_PREVIEW_TASKS, process.argv.slice(2))
const server = createPreviewServer({
  latencyMs,
  env: process.env,
  ...(tasks ? { tasks: { revision: tasks } } : {}),
})
const transport = new StdioServerTransport()

let closing = false
const shutdown = (why: string): void => {
  if (closing) return
  closing = true
  log(`shutting down (${why})`)
  server.close().then(
    () => process.exit(0),
    () => process.exit(0),
  )
}

process.stdin.on('end', () => shutdown('stdin closed'))
process.stdin.on('close', () => shutdown('stdin closed'))
process.on('SIGINT', () => shutdown('SIGINT'))
process.on('SIGTERM', () => shutdown('SIGTERM'))

// No top-level await: the ncc bundle of this entry does not support it.
server.connect(transport).then(
  () => log(`ready (latency ${latencyMs} ms${tasks ? `, MCP tasks ${tasks}` : ''})`),
  (error: unknown) => {
    log(`failed to start: ${String(error)}`)
    process.exit(1)
  },
)
