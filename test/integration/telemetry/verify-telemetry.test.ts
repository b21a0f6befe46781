import { appendFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Redactor } from '../../../src/core/redactor.js'
import {
  buildArtifactMetadata,
  describeArtifact,
  writeArtifactMetadata,
} from '../../../src/output/telemetry/artifacts.js'
import { runInfoFromEnv } from '../../../src/output/telemetry/run-info.js'
import { runVerifyTelemetry } from '../../../src/output/telemetry/verify-command.js'
import { verifyTelemetry } from '../../../src/output/telemetry/verify.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'

let workspace: string
let stage: string
const META = 'metadata/artifact-metadata.json'
const SHOWN = '<ws>/out/run/metadata/artifact-metadata.json'

beforeEach(async () => {
  workspace = await tempWorkspace('kamui-verify-')
  stage = path.join(workspace, 'out', 'run')
})
afterEach(async () => {
  await removeDir(workspace)
})

async function png(folder: string, rel: string, width: number, height: number, r = 0) {
  const file = path.join(folder, rel)
  await mkdir(path.dirname(file), { recursive: true })
  await sharp({ create: { width, height, channels: 3, background: { r, g: 90, b: 160 } } })
    .png()
    .toFile(file)
}

/** Writes a stage folder with two images and a report, and its telemetry file. */
async function writeStage(folder: string, name = 'image-generation-v2'): Promise<void> {
  await png(folder, 'images/generated-image-1.png', 64, 48)
  await png(folder, 'images/generated-image-2.png', 32, 32, 200)
  await mkdir(path.join(folder, 'metadata'), { recursive: true })
  await writeFile(path.join(folder, 'metadata/generation-report.json'), '{"ok":true}\n')
  const model = {
    alias: 'preview:imagen4-fast',
    provider: 'preview',
    server: 'kamui-preview',
    tool: 'preview_image_submit',
    workflow: null,
  }
  const made = {
    model,
    timings: { queue_wait_ms: 0, generation_ms: 120, download_ms: 8, total_ms: 130 },
    attempts: 1,
    cost: { usd: 0, basis: 'preview server: rendered offline, no charge' },
    preview: true,
  }
  const record = buildArtifactMetadata({
    stage: name,
    run: runInfoFromEnv(
      { GITHUB_RUN_ID: '42', GITHUB_WORKFLOW: 'ci', GITHUB_JOB: 'images' },
      new Date(Date.now() - 1000),
    ),
    endedAt: new Date(),
    artifacts: [
      await describeArtifact(folder, 'images/generated-image-1.png', made),
      await describeArtifact(folder, 'images/generated-image-2.png', {
        ...made,
        attempts: 2,
        retries: 1,
        errors: [{ code: 'IMG_008', message: 'connection reset' }],
      }),
      await describeArtifact(folder, 'metadata/generation-report.json'),
    ],
    errors: [{ code: 'IMG_003', message: 'image 3 (flux-schnell): did not finish within 300 s' }],
  })
  await writeArtifactMetadata(folder, record, new Redactor())
}

async function editJson(edit: (data: Record<string, unknown>) => void): Promise<void> {
  const file = path.join(stage, META)
  const data = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>
  edit(data)
  await writeFile(file, JSON.stringify(data, null, 2))
}

/**
 * Runs the command as `kamui verify-telemetry <folder>` would from the working directory, with
 * `rel` (a folder of the workspace) given as a relative path; lines show it with `<ws>` for
 * the workspace.
 */
async function command(rel: string): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = []
  const code = await runVerifyTelemetry(path.join(wsFromCwd(), rel), (line) =>
    lines.push(line.split(wsFromCwd()).join('<ws>')),
  )
  return { code, lines }
}

function wsFromCwd(): string {
  return path.relative(process.cwd(), workspace).split(path.sep).join('/')
}

describe('verify-telemetry', () => {
  it('passes on a folder written by buildArtifactMetadata + writeArtifactMetadata', async () => {
    await writeStage(stage)
    const result = await verifyTelemetry(stage)
    expect(result).toMatchObject({ ok: true, problems: [] })
    expect(result.files).toEqual([path.join(stage, META).split(path.sep).join('/')])
    expect(await command('out/run')).toEqual({ code: 0, lines: [`ok: ${SHOWN} (3 artifacts)`] })
  })

  it('fails naming a field removed from the JSON', async () => {
    await writeStage(stage)
    await editJson((data) => {
      const artifacts = data['artifacts'] as Record<string, unknown>[]
      delete artifacts[1]?.['sha256']
      delete (artifacts[0]?.['timings'] as Record<string, unknown>)['queue_wait_ms']
      delete (data['run'] as Record<string, unknown>)['commit']
    })
    const { code, lines } = await command('out/run')
    expect(code).toBe(1)
    expect(lines).toEqual([
      `${SHOWN}: run.commit: missing`,
      `${SHOWN}: artifacts[0].timings.queue_wait_ms: missing`,
      `${SHOWN}: artifacts[1].sha256: missing`,
      'verify-telemetry: 3 problem(s) in 1 of 1 file(s)',
    ])
  })

  it('fails naming each field of the contract when it is removed', async () => {
    await writeStage(stage)
    const original = await readFile(path.join(stage, META), 'utf8')
    const data = JSON.parse(original) as Record<string, unknown>
    const artifact = (data['artifacts'] as Record<string, unknown>[])[0] as Record<string, unknown>
    const fields = [
      ...Object.keys(data).map((k) => [k]),
      ...Object.keys(data['run'] as object).map((k) => ['run', k]),
      // `provenance` (issue 16) is optional, so that records of earlier versions verify.
      ...Object.keys(artifact)
        .filter((k) => k !== 'provenance')
        .map((k) => ['artifacts', '0', k]),
    ]
    for (const field of fields) {
      await writeFile(path.join(stage, META), original)
      await editJson((d) => {
        let parent = d as Record<string, unknown>
        for (const s of field.slice(0, -1)) parent = parent[s] as Record<string, unknown>
        delete parent[field[field.length - 1] as string]
      })
      const shown = field.length === 3 ? `artifacts[0].${field[2]}` : field.join('.')
      const result = await verifyTelemetry(stage)
      expect(result.ok, shown).toBe(false)
      expect(result.problems, shown).toContain(
        `${stage.split(path.sep).join('/')}/${META}: ${shown}: missing`,
      )
    }
  })

  it('fails naming the sha256 and size of a modified artifact file', async () => {
    await writeStage(stage)
    await appendFile(path.join(stage, 'images/generated-image-2.png'), 'tampered')
    const { code, lines } = await command('out/run')
    expect(code).toBe(1)
    expect(lines[0]).toMatch(
      new RegExp(
        `^${SHOWN}: artifacts\\[1\\]\\.sha256: does not match images/generated-image-2.png on disk \\(recorded [0-9a-f]{64}, file has [0-9a-f]{64}\\)$`,
      ),
    )
    expect(lines[1]).toMatch(/artifacts\[1\]\.bytes: does not match .* file has \d+\)$/)
  })

  it('fails on a deleted artifact, and on an edited image size', async () => {
    await writeStage(stage)
    await rm(path.join(stage, 'images/generated-image-1.png'))
    await editJson((data) => {
      const artifacts = data['artifacts'] as Record<string, unknown>[]
      ;(artifacts[1] as Record<string, unknown>)['width'] = 33
    })
    const { problems } = await verifyTelemetry(stage)
    expect(problems).toEqual([
      expect.stringMatching(
        /artifacts\[0\]\.path: file images\/generated-image-1\.png does not exist/,
      ),
      expect.stringMatching(
        /artifacts\[1\]\.width: does not match .*\(recorded 33, image has 32\)$/,
      ),
    ])
  })

  it('fails when the metadata file is deleted or is not JSON', async () => {
    await writeStage(stage)
    await writeFile(path.join(stage, META), '{ not json')
    expect((await command('out/run')).lines[0]).toMatch(
      new RegExp(`^${SHOWN}: \\(root\\): not valid JSON`),
    )
    await rm(path.join(stage, META))
    expect(await command('out/run')).toEqual({
      code: 1,
      lines: ['<ws>/out/run: no metadata/artifact-metadata.json found in this folder or below it'],
    })
    expect(await command('missing-folder')).toEqual({
      code: 1,
      lines: ['<ws>/missing-folder: not a folder (nothing to verify)'],
    })
  })

  it('checks every stage folder below a pipeline folder and skips node_modules', async () => {
    await writeStage(stage)
    await writeStage(path.join(workspace, 'out', 'pointcloud'), 'pointcloud-generation')
    await mkdir(path.join(workspace, 'out', 'node_modules', 'x', 'metadata'), { recursive: true })
    await writeFile(path.join(workspace, 'out', 'node_modules', 'x', META), '{}')
    await appendFile(path.join(workspace, 'out/pointcloud/metadata/generation-report.json'), ' ')
    const { code, lines } = await command('out')
    expect(code).toBe(1)
    expect(lines).toEqual([
      expect.stringMatching(
        /^<ws>\/out\/pointcloud\/metadata\/artifact-metadata\.json: artifacts\[2\]\.sha256: does not match/,
      ),
      expect.stringMatching(/^<ws>\/out\/pointcloud\/.*artifacts\[2\]\.bytes: does not match/),
      `ok: ${SHOWN} (3 artifacts)`,
      'verify-telemetry: 2 problem(s) in 1 of 2 file(s)',
    ])
  })

  it('verifies the records of earlier stages that wrote into the same folder', async () => {
    await writeStage(stage)
    await writeFile(path.join(stage, 'segment-1.mp4'), 'video bytes')
    const video = buildArtifactMetadata({
      stage: 'video-generation',
      run: runInfoFromEnv({}, new Date(Date.now() - 10)),
      endedAt: new Date(),
      artifacts: [
        await describeArtifact(stage, 'segment-1.mp4', {
          width: 1280,
          height: 720,
          frames: 120,
          duration_s: 5,
        }),
      ],
    })
    await writeArtifactMetadata(stage, video, new Redactor())
    expect(await command('out/run')).toEqual({ code: 0, lines: [`ok: ${SHOWN} (4 artifacts)`] })
    await appendFile(path.join(stage, 'images/generated-image-1.png'), 'x')
    const { lines } = await command('out/run')
    expect(lines[0]).toMatch(/: earlier_stages\[0\]\.artifacts\[0\]\.sha256: does not match/)
  })
})
