import { mkdir, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isKamuiError } from '../../../src/core/errors.js'
import { MemoryLogger } from '../../../src/core/logger.js'
import { Redactor } from '../../../src/core/redactor.js'
import {
  ArtifactPublisher,
  defaultArtifactName,
  type ArtifactUploader,
} from '../../../src/output/publish/artifact-publisher.js'
import { PUBLISH_ERROR_CODE, type PublishRequest } from '../../../src/output/publish/types.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'

async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, ...name.split('/'))
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, content)
  }
}

interface Upload {
  name: string
  files: string[]
  rootDirectory: string
  options: unknown
}

function fakeClient(result: { id?: number; size?: number } = { id: 42, size: 1234 }) {
  const uploads: Upload[] = []
  const client: ArtifactUploader = {
    async uploadArtifact(name, files, rootDirectory, options) {
      uploads.push({ name, files, rootDirectory, options })
      return result
    },
  }
  return { uploads, client }
}

describe('ArtifactPublisher', () => {
  let ws: string
  beforeEach(async () => {
    ws = await tempWorkspace('kamui-artifact-')
  })
  afterEach(async () => {
    await removeDir(ws)
  })

  const request = (extra: Partial<PublishRequest> = {}): PublishRequest => ({
    workspace: ws,
    folder: path.join(ws, 'music-video-20250801-123'),
    branch: '',
    message: '',
    mode: 'artifact',
    stage: 'image-generation-v2',
    ...extra,
  })

  it('uploads every file of the folder with its parent as root, under the default name', async () => {
    await writeFiles(path.join(ws, 'music-video-20250801-123'), {
      'images/generated-image.png': 'png',
      'images/generated-image-1.png': 'png1',
      'google-image-url.txt': 'https://example.invalid/x.png',
      'metadata/generation-report.json': '{}',
    })
    const { uploads, client } = fakeClient()
    const logger = new MemoryLogger()
    const publisher = new ArtifactPublisher({
      redactor: new Redactor(),
      logger,
      client: () => client,
      retentionDays: 7,
    })

    const result = await publisher.publish(request())

    expect(result).toEqual({
      mode: 'artifact',
      committed: false,
      pushed: false,
      commit: null,
      branch: null,
      attempts: 1,
      artifact: { name: 'kamui-image-generation-v2-music-video-20250801-123', id: 42, size: 1234 },
      skippedReason: null,
    })
    const folder = path.join(ws, 'music-video-20250801-123')
    expect(uploads).toEqual([
      {
        name: 'kamui-image-generation-v2-music-video-20250801-123',
        files: [
          path.join(folder, 'google-image-url.txt'),
          path.join(folder, 'images', 'generated-image-1.png'),
          path.join(folder, 'images', 'generated-image.png'),
          path.join(folder, 'metadata', 'generation-report.json'),
        ],
        rootDirectory: ws,
        options: { retentionDays: 7 },
      },
    ])
    expect(logger.lines.at(-1)?.message).toMatch(/4 file\(s\).*\(id 42, 1234 bytes\)/)
  })

  it('uses a given artifact-name as is, and refuses characters artifacts may not hold', async () => {
    await writeFiles(path.join(ws, 'out'), { 'a.txt': 'a' })
    const { uploads, client } = fakeClient({})
    const publisher = new ArtifactPublisher({ redactor: new Redactor(), client: () => client })
    const folder = path.join(ws, 'out')
    const result = await publisher.publish(request({ folder, artifactName: 'my results v2' }))
    expect(result.artifact).toEqual({ name: 'my results v2' })
    expect(uploads[0]?.name).toBe('my results v2')
    for (const bad of ['a/b', 'a:b', 'a*', 'a\nb', 'a\\b', 'a?', 'a|b', 'a"b', '<a>']) {
      const error = await publisher
        .publish(request({ folder, artifactName: bad }))
        .catch((e: unknown) => e)
      expect(isKamuiError(error, 'CFG_001'), bad).toBe(true)
    }
    expect(uploads).toHaveLength(1)
  })

  it('sanitises the default name to letters, digits, ".", "_" and "-"', () => {
    expect(defaultArtifactName('image-generation', '/w/out')).toBe('kamui-image-generation-out')
    expect(defaultArtifactName('keyframes', '/w/a b:c*?"<>|\\d')).toBe('kamui-keyframes-a-b-c-d')
    expect(defaultArtifactName('video', '/w/映像')).toBe('kamui-video')
    expect(defaultArtifactName('', '/w/..')).toMatch(/^[A-Za-z0-9._-]+$/)
  })

  it('refuses a folder holding a secret and uploads nothing', async () => {
    const secret = 'mcp-header-secret-value'
    const redactor = new Redactor()
    redactor.add(secret)
    await writeFiles(path.join(ws, 'out'), {
      'a.txt': 'fine',
      'config/mcp.json': JSON.stringify({ headers: { 'KAMUI-CODE-PASS': secret } }),
    })
    const { uploads, client } = fakeClient()
    const publisher = new ArtifactPublisher({ redactor, client: () => client })
    const error = await publisher
      .publish(request({ folder: path.join(ws, 'out') }))
      .catch((e: unknown) => e)
    expect(isKamuiError(error, PUBLISH_ERROR_CODE)).toBe(true)
    expect((error as Error).message).toContain('out/config/mcp.json')
    expect((error as Error).message).not.toContain(secret)
    expect(uploads).toEqual([])
  })

  it('leaves symbolic links out, refuses folders outside the workspace, skips empty ones', async () => {
    const outside = await tempWorkspace('kamui-outside-')
    try {
      await writeFiles(outside, { 'private.key': 'do not upload' })
      await writeFiles(path.join(ws, 'out'), { 'a.txt': 'a' })
      await symlink(path.join(outside, 'private.key'), path.join(ws, 'out', 'link.key'))
      await symlink(outside, path.join(ws, 'escape'))
      const { uploads, client } = fakeClient()
      const logger = new MemoryLogger()
      const publisher = new ArtifactPublisher({
        redactor: new Redactor(),
        logger,
        client: () => client,
      })

      await publisher.publish(request({ folder: path.join(ws, 'out') }))
      expect(uploads[0]?.files).toEqual([path.join(ws, 'out', 'a.txt')])
      expect(logger.lines[0]?.message).toMatch(/symbolic links .*: link\.key/)

      const escaped = await publisher
        .publish(request({ folder: path.join(ws, 'escape') }))
        .catch((e: unknown) => e)
      expect(isKamuiError(escaped, 'FS_001')).toBe(true)

      await mkdir(path.join(ws, 'empty'))
      const empty = await publisher.publish(request({ folder: path.join(ws, 'empty') }))
      expect(empty).toMatchObject({ artifact: null, attempts: 0 })
      expect(empty.skippedReason).toMatch(/no files/)

      const missing = await publisher
        .publish(request({ folder: path.join(ws, 'missing') }))
        .catch((e: unknown) => e)
      expect(isKamuiError(missing, PUBLISH_ERROR_CODE)).toBe(true)
      expect(uploads).toHaveLength(1)
    } finally {
      await removeDir(outside)
    }
  })

  it('wraps a failed upload in the publish error, redacted', async () => {
    const redactor = new Redactor()
    redactor.add('runtime-token-value')
    await writeFiles(path.join(ws, 'out'), { 'a.txt': 'a' })
    const publisher = new ArtifactPublisher({
      redactor,
      client: () => ({
        uploadArtifact: async () => {
          throw new Error('401 for token runtime-token-value')
        },
      }),
    })
    const error = await publisher
      .publish(request({ folder: path.join(ws, 'out') }))
      .catch((e: unknown) => e)
    expect(isKamuiError(error, PUBLISH_ERROR_CODE)).toBe(true)
    expect((error as Error).message).toBe(
      `${PUBLISH_ERROR_CODE}: Uploading artifact kamui-image-generation-v2-out failed: 401 for token ***`,
    )
  })
})
