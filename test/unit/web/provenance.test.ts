import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Redactor } from '../../../src/core/redactor.js'
import {
  buildArtifactMetadata,
  describeArtifact,
  writeArtifactMetadata,
} from '../../../src/output/telemetry/artifacts.js'
import { runInfoFromEnv } from '../../../src/output/telemetry/run-info.js'
import { ProvenanceLookup } from '../../../src/output/web/provenance.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'

async function record(
  folder: string,
  stage: string,
  file: string,
  preview: boolean,
): Promise<void> {
  await mkdir(path.dirname(path.join(folder, file)), { recursive: true })
  await writeFile(path.join(folder, file), `${stage} ${file}`)
  const model = {
    alias: preview ? 'preview:m' : 'm',
    provider: 'mcp',
    server: 's',
    tool: 't',
    workflow: null,
  }
  const artifact = await describeArtifact(folder, file, { model, preview })
  const run = runInfoFromEnv({}, new Date(Date.now() - 1000))
  await writeArtifactMetadata(
    folder,
    buildArtifactMetadata({ stage, run, endedAt: new Date(), artifacts: [artifact] }),
    new Redactor(),
  )
}

describe('ProvenanceLookup', () => {
  let ws: string
  beforeAll(async () => {
    ws = await tempWorkspace('kamui-prov-')
    await record(path.join(ws, 'run'), 'video-generation', 'videos/segment-1.mp4', true)
    await record(path.join(ws, 'run'), 'keyframes', 'keyframes/k1.json', false)
    await record(path.join(ws, 'run/pointcloud'), 'pointcloud-generation', 'pointcloud.ply', true)
    await writeFile(path.join(ws, 'run/unlisted.txt'), 'x')
  })
  afterAll(async () => {
    await removeDir(ws)
  })

  it('finds a file in the nearest telemetry that lists it, earlier stages included', async () => {
    const lookup = new ProvenanceLookup(ws)
    expect(await lookup.of(path.join(ws, 'run/videos/segment-1.mp4'))).toMatchObject({
      preview: true,
      model: 'preview:m',
      stage: 'video-generation',
    })
    expect(await lookup.of(path.join(ws, 'run/keyframes/k1.json'))).toMatchObject({
      preview: false,
      model: 'm',
      stage: 'keyframes',
    })
    expect(await lookup.of(path.join(ws, 'run/pointcloud/pointcloud.ply'))).toMatchObject({
      preview: true,
      stage: 'pointcloud-generation',
      modelRecord: { alias: 'preview:m', provider: 'mcp', server: 's', tool: 't', workflow: null },
    })
    expect(await lookup.of(path.join(ws, 'run/unlisted.txt'))).toBeUndefined()
  })

  it('ignores a metadata file that breaks the contract', async () => {
    await mkdir(path.join(ws, 'bad/metadata'), { recursive: true })
    await writeFile(path.join(ws, 'bad/x.png'), 'x')
    await writeFile(
      path.join(ws, 'bad/metadata/artifact-metadata.json'),
      JSON.stringify({ artifacts: [{ path: 'x.png', preview: true }] }),
    )
    expect(await new ProvenanceLookup(ws).of(path.join(ws, 'bad/x.png'))).toBeUndefined()
  })
})
