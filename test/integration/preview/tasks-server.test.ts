import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import {
  getDefaultEnvironment,
  StdioClientTransport,
} from '@modelcontextprotocol/sdk/client/stdio.js'
import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KamuiError } from '../../../src/core/errors.js'
import type { ProgressEvent } from '../../../src/core/progress-event.js'
import { MemoryLogger } from '../../../src/core/logger.js'
import { Redactor } from '../../../src/core/redactor.js'
import { McpPool } from '../../../src/providers/mcp/pool.js'
import { previewServerLaunch } from '../../../src/providers/preview/launch.js'
import { JobRunner } from '../../../src/runner/job-runner.js'
import { progressHooks, stageProgress } from '../../../src/runner/progress.js'

/**
 * The preview server in MCP tasks mode (issue 12 §4, revision 2025-11-25), over stdio as the
 * suite starts it (`previewServerLaunch({ tasks })`): which tools declare task support, a task
 * through its statuses to the same image a plain call renders, and `tasks/cancel`.
 */

const ARGS = { prompt: 'a lighthouse at dusk', seed: 5, width: 96, height: 64 }

function pngOf(result: CallToolResult): Buffer {
  const item = result.content.find((c) => c.type === 'resource')
  if (item?.type !== 'resource' || !('blob' in item.resource)) throw new Error('no embedded PNG')
  return Buffer.from(item.resource.blob, 'base64')
}

describe('preview server in tasks mode (2025-11-25)', () => {
  let client: Client

  beforeAll(async () => {
    const launch = previewServerLaunch({ tasks: '2025-11-25' })
    expect(launch.args.slice(-2)).toEqual(['--tasks', '2025-11-25'])
    client = new Client({ name: 'preview-tasks-test', version: '1.0.0' })
    await client.connect(
      new StdioClientTransport({
        ...launch,
        env: { ...getDefaultEnvironment(), KAMUI_PREVIEW_LATENCY_MS: '400' },
        stderr: 'pipe',
      }),
    )
  })
  afterAll(async () => {
    await client?.close()
  })

  it('announces task-augmented tools/call and marks the image, video and depth tools optional', async () => {
    expect(client.getServerCapabilities()?.tasks?.requests?.tools?.call).toEqual({})
    const { tools } = await client.listTools()
    const support = Object.fromEntries(tools.map((t) => [t.name, t.execution?.taskSupport]))
    expect(support).toMatchObject({
      preview_generate_image: 'optional',
      preview_image_submit: 'optional',
      preview_generate_video: 'optional',
      preview_video_submit: 'optional',
      preview_estimate_depth: 'optional',
    })
    for (const plain of [
      'preview_image_status',
      'preview_image_result',
      'preview_render_keyframe',
    ]) {
      expect(support[plain] ?? 'forbidden').toBe('forbidden')
    }
  })

  it('runs preview_image_submit as a task: queued, then completed with the plain call’s image', async () => {
    const statuses: string[] = []
    let result: CallToolResult | undefined
    let taskId: string | undefined
    for await (const message of client.experimental.tasks.callToolStream(
      { name: 'preview_image_submit', arguments: ARGS },
      CallToolResultSchema,
      { task: {} },
    )) {
      if (message.type === 'taskCreated') {
        taskId = message.task.taskId
        expect(message.task.pollInterval).toBe(100)
      }
      if (message.type === 'taskStatus')
        statuses.push(`${message.task.status}:${message.task.statusMessage ?? ''}`)
      if (message.type === 'result') result = message.result as CallToolResult
      if (message.type === 'error') throw message.error
    }
    expect(taskId).toMatch(/^[0-9a-f]{32}$/)
    expect(statuses).toContain('working:queued')
    expect(statuses.at(-1)).toMatch(/^completed:/)
    if (!result) throw new Error('no result')
    const viaTask = pngOf(result)
    expect(await sharp(viaTask).metadata()).toMatchObject({ format: 'png', width: 96, height: 64 })
    // A plain call of the synchronous tool (the SDK polls the task for it) renders the same bytes.
    const plain = (await client.callTool({
      name: 'preview_generate_image',
      arguments: ARGS,
    })) as CallToolResult
    expect(pngOf(plain).equals(viaTask)).toBe(true)
  })

  it('cancels a queued task with tasks/cancel: it is still cancelled after the latency (no render)', async () => {
    const stream = client.experimental.tasks.callToolStream(
      { name: 'preview_image_submit', arguments: { ...ARGS, seed: 9 } },
      CallToolResultSchema,
      { task: {} },
    )
    const first = (await stream.next()).value
    await stream.return(undefined)
    if (first?.type !== 'taskCreated') throw new Error('no task')
    const { taskId } = first.task
    const cancelled = await client.experimental.tasks.cancelTask(taskId)
    expect(cancelled.status).toBe('cancelled')
    await new Promise((resolve) => setTimeout(resolve, 700)) // past the 400 ms latency
    const later = await client.experimental.tasks.getTask(taskId)
    expect(later.status).toBe('cancelled')
  })
})

describe('the job runner on the preview server in tasks mode', () => {
  const job = {
    provider: 'mcp' as const,
    label: 'preview',
    call: {
      type: 'async' as const,
      submit: 'preview_image_submit',
      status: 'preview_image_status',
      result: 'preview_image_result',
    },
    args: ARGS,
    answer: 'media' as const,
  }

  /** Runs the job on a fresh pool; `how` wires the stage's progress stream into the runner. */
  async function run(how: 'hooks' | 'options'): Promise<ProgressEvent[]> {
    const pool = new McpPool(
      {
        'kamui-preview': {
          kind: 'stdio',
          ...previewServerLaunch({ tasks: '2025-11-25' }),
          env: { KAMUI_PREVIEW_LATENCY_MS: '300' },
        },
      },
      { logger: new MemoryLogger(), redactor: new Redactor(), env: { PATH: process.env.PATH } },
    )
    const events: ProgressEvent[] = []
    try {
      const stage = stageProgress({ emit: (e) => events.push(e) }, 'images')
      const base = { signal: new AbortController().signal, logger: new MemoryLogger() }
      const output =
        how === 'hooks'
          ? await new JobRunner({ mcp: pool }, progressHooks(stage)).run(job, base)
          : await new JobRunner({ mcp: pool }).run(job, stage.job('image 1').runOptions(base))
      expect(output.handle).toMatchObject({ task: '2025-11-25', tools: ['preview_image_submit'] })
      expect(output.media[0]?.mimeType).toBe('image/png')
    } finally {
      await pool.close()
    }
    return events
  }

  it('fails a job whose task failed with GEN_001 and the server’s status message', async () => {
    const pool = new McpPool(
      {
        'kamui-preview': {
          kind: 'stdio',
          ...previewServerLaunch({ tasks: '2025-11-25' }),
          env: {},
        },
      },
      { logger: new MemoryLogger(), redactor: new Redactor(), env: { PATH: process.env.PATH } },
    )
    try {
      const error = await new JobRunner({ mcp: pool })
        .run(
          {
            provider: 'mcp',
            label: 'depth',
            call: { type: 'sync', tool: 'preview_estimate_depth' },
            args: { image_url: 'data:image/png;base64,bm90IGEgcG5n' },
            answer: 'media',
          },
          { signal: new AbortController().signal, logger: new MemoryLogger() },
        )
        .then(
          () => undefined,
          (e: unknown) => e,
        )
      expect(error).toBeInstanceOf(KamuiError)
      expect((error as KamuiError).code).toBe('GEN_001')
      expect((error as KamuiError).message).toMatch(
        /preview_estimate_depth task [0-9a-f]{32} on MCP server "kamui-preview" failed: Preview depth failed/,
      )
    } finally {
      await pool.close()
    }
  }, 30_000)

  for (const how of ['hooks', 'options'] as const) {
    it(`feeds task statuses and progress notifications into the progress model (${how})`, async () => {
      const jobEvents = (await run(how)).flatMap((e) => (e.kind === 'job' ? [e] : []))
      const tasks = jobEvents.filter((e) => e.source === 'mcp-task').map((e) => e.message)
      // Polled during the 300 ms latency (the render itself takes a few ms and may be missed).
      expect(tasks).toContain('working: queued')
      // Progress notifications of the creating call arrive after the call answered with a task.
      const fractions = jobEvents.filter((e) => e.source === 'mcp-progress').map((e) => e.fraction)
      expect(fractions).toEqual([0, 0.5, 1])
    }, 30_000)
  }
})
