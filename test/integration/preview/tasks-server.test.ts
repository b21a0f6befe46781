import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import {
  getDefaultEnvironment,
  StdioClientTransport,
} from '@modelcontextprotocol/sdk/client/stdio.js'
import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { previewServerLaunch } from '../../../src/providers/preview/launch.js'

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
